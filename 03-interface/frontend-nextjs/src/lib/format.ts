/**
 * Formatting helpers shared by the server and the browser. Pure functions, no I/O.
 */

/**
 * A time offset as `m:ss` or `h:mm:ss` (truncated to whole seconds).
 *
 * @param seconds Offset in seconds from the start of the recording; negative or non-finite
 *   values render as `0:00`.
 * @returns e.g. `0:07`, `12:34`, `1:02:03`.
 */
export function formatTimestamp(seconds: number): string {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * A duration for humans: `42 s`, `3 min 07 s`, `1 h 02 min`.
 *
 * @param seconds Duration in seconds; `null`/`undefined` render as an em dash.
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "—";
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  return `${m} min ${String(s).padStart(2, "0")} s`;
}

const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/**
 * A byte count in decimal units (1 KB = 1000 bytes, as file managers show sizes).
 *
 * @param bytes Size in bytes.
 * @returns e.g. `960 KB`, `1.5 MB`, `0 B`.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return "0 B";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/**
 * A percentage for a progress fraction.
 *
 * @param fraction Progress in [0, 1]; clamped.
 * @returns e.g. `42 %`.
 */
export function formatPercent(fraction: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  return `${Math.round(clamped * 100)} %`;
}

/**
 * A date-time in the user's locale, e.g. `23 Nov 2025, 18:02`.
 *
 * @param iso ISO-8601 timestamp from the gateway.
 * @param locale BCP-47 locale; defaults to `en-GB` so that the server and the browser render
 *   the same text (no hydration mismatch).
 * @param timeZone IANA zone; defaults to UTC for the same reason.
 */
export function formatDateTime(
  iso: string | null | undefined,
  locale = "en-GB",
  timeZone = "UTC",
): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(date);
}

/**
 * A filesystem-friendly stem for downloads.
 *
 * @param title The meeting title or original file name.
 * @returns At most 80 letters, digits, `.`, `_` or `-`; `transcript` when nothing is left.
 */
export function downloadStem(title: string): string {
  const stem = title.replace(/\.[A-Za-z0-9]{1,5}$/, "").replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^[._-]+|[._-]+$/g, "");
  return stem.slice(0, 80) || "transcript";
}
