/**
 * Formatting helpers shared by the server and the browser, in the dashboard's languages
 * (`en`: British English, `fr`: French typography with non-breaking spaces). Pure functions,
 * no I/O. The English forms are those the dashboard always showed (`42 s`, `960 KB`, `42 %`,
 * `23 Nov 2026, 18:11`).
 */
import { intlTag } from "@/i18n/config";

/** Non-breaking space (between a number and its unit in French). */
const NBSP = "\u00a0";
/** Narrow non-breaking space (before `%` in French). */
const NNBSP = "\u202f";

const isFrench = (locale: string) => locale === "fr" || locale.startsWith("fr-");

/**
 * A time offset as `m:ss` or `h:mm:ss` (truncated to whole seconds; the same in every language).
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
 * A duration for humans: `42 s`, `3 min 07 s`, `1 h 02 min` (in French with non-breaking
 * spaces, which keep the number with its unit).
 *
 * @param seconds Duration in seconds; `null`/`undefined` render as an em dash.
 * @param locale `en` or `fr`.
 */
export function formatDuration(seconds: number | null | undefined, locale = "en"): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "—";
  const sp = isFrench(locale) ? NBSP : " ";
  const total = Math.round(seconds);
  if (total < 60) return `${total}${sp}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}${sp}h${sp}${String(m).padStart(2, "0")}${sp}min`;
  return `${m}${sp}min${sp}${String(s).padStart(2, "0")}${sp}s`;
}

const UNITS: Record<"en" | "fr", readonly string[]> = {
  en: ["B", "KB", "MB", "GB", "TB"],
  fr: ["o", "ko", "Mo", "Go", "To"],
};

/**
 * A byte count in decimal units (1 KB = 1000 bytes, as file managers show sizes).
 *
 * @param bytes Size in bytes.
 * @param locale `en` or `fr`.
 * @returns e.g. `960 KB`, `1.5 MB`, `0 B`; in French `960 ko`, `1,5 Mo`, `0 o`.
 */
export function formatBytes(bytes: number, locale = "en"): string {
  const fr = isFrench(locale);
  const units = fr ? UNITS.fr : UNITS.en;
  const sp = fr ? NBSP : " ";
  if (!Number.isFinite(bytes) || bytes <= 0) return `0${sp}${units[0]}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const number = fr ? value.toFixed(digits).replace(".", ",") : value.toFixed(digits);
  return `${number}${sp}${units[unit]}`;
}

/**
 * A percentage for a progress fraction.
 *
 * @param fraction Progress in [0, 1]; clamped.
 * @param locale `en` or `fr`.
 * @returns e.g. `42 %` (French: with a narrow non-breaking space).
 */
export function formatPercent(fraction: number, locale = "en"): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  return `${Math.round(clamped * 100)}${isFrench(locale) ? NNBSP : " "}%`;
}

/**
 * A date-time, e.g. `23 Nov 2026, 18:11` (en) or `23 nov. 2026 à 18:11` (fr). Built from
 * `Intl` parts in a fixed order so that the server and the browser render the same text (no
 * hydration mismatch between ICU versions).
 *
 * @param iso ISO-8601 timestamp from the gateway.
 * @param locale `en`, `fr` (or any BCP-47 tag, formatted the English way).
 * @param timeZone IANA zone; UTC by default, as on the server.
 */
export function formatDateTime(iso: string | null | undefined, locale = "en", timeZone = "UTC"): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  const parts = new Intl.DateTimeFormat(intlTag(locale), {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const day = `${part("day")} ${part("month")} ${part("year")}`;
  const time = `${part("hour")}:${part("minute")}`;
  return isFrench(locale) ? `${day} à ${time}` : `${day}, ${time}`;
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
