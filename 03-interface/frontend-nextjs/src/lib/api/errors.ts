/**
 * Errors of gateway calls, turned into sentences a person can act on, in their language.
 *
 * The gateway answers errors as `{"error": "<Type>", "code": "<code>", "detail": "…"}` and
 * keeps the reason a meeting or a voice bank person failed as `error_code` (codes of
 * `scribe_core.errors.ErrorCode`). The dashboard shows the sentence of the code
 * (`messages/<locale>.json`, key `errors.<code>`), or a sentence for the HTTP status, or a
 * generic one: never the gateway's own text (it may name internals), never its address.
 */
import { type Message, msg } from "@/i18n/message";

/**
 * What the server log says when the gateway cannot be reached; users see the sentence of
 * `errors.service_unreachable` instead.
 */
export const SERVICE_UNREACHABLE = "The service is not reachable right now; try again in a moment.";

/**
 * Reasons stored in `meetings.error_code` and `people.error_code`
 * (`scribe_core.errors.ErrorCode`), each with a sentence `errors.<code>`.
 */
export const FAILURE_CODES = [
  "audio_undecodable",
  "no_audio_stream",
  "audio_empty",
  "audio_too_long",
  "too_little_speech",
  "bad_input",
  "model_unavailable",
  "storage_unavailable",
  "upload_missing",
  "retrying",
  "worker_lost",
  "too_many_attempts",
  "processing_failed",
  "download_failed",
  "download_refused",
  "download_too_large",
] as const;

/** Codes of the gateway's error bodies (besides {@link FAILURE_CODES}), each with `errors.<code>`. */
export const GATEWAY_CODES = [
  "not_found",
  "internal_error",
  "invalid_request",
  "not_authenticated",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "client_disconnected",
  "insufficient_scope",
  "api_key_not_allowed",
  "request_timeout",
  "idempotency_key_reused",
  "idempotency_request_in_progress",
  "outbound_failed",
  "outbound_refused",
  "outbound_too_large",
  "font_unavailable",
  "invalid_name",
  "invalid_text",
  "unknown_speaker",
] as const;

/** Situations the dashboard names itself (no code from the gateway), each with `errors.<code>`. */
export const DASHBOARD_CODES = [
  "bad_request",
  "service_unreachable",
  "network_error",
  "upload_aborted",
  "too_many_requests",
  "forbidden",
  "generic",
] as const;

/** Every code with a sentence under `errors.` in both languages. */
export const ERROR_CODES: readonly string[] = [...FAILURE_CODES, ...GATEWAY_CODES, ...DASHBOARD_CODES];

const KNOWN = new Set(ERROR_CODES);
const FAILURES = new Set<string>(FAILURE_CODES);

/** The HTTP statuses with a sentence of their own when the gateway gave no known code. */
const BY_STATUS: Readonly<Record<number, string>> = {
  400: "bad_request",
  401: "not_authenticated",
  403: "forbidden",
  404: "not_found",
  408: "request_timeout",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "invalid_request",
  429: "too_many_requests",
};

/** The message of an error code (assumed to be in {@link ERROR_CODES}). */
function errorCodeMessage(code: string): Message {
  return msg(`errors.${code}` as Message["key"]);
}

/**
 * What the user reads for a failed call.
 *
 * @param code The gateway's `code` (or null when the body had none).
 * @param status The HTTP status (undefined for a network failure).
 * @returns `errors.<code>` for a known code; for 429 always `errors.too_many_requests`
 *   (`too_many_attempts` there means the sign-in throttle, not processing attempts), and
 *   `bad_input` reads as the general `errors.bad_request` (its own sentence is about a
 *   recording); else a sentence for the status; 5xx → `errors.service_unreachable`; else
 *   `errors.generic`.
 */
export function errorText(code: string | null | undefined, status?: number): Message {
  if (status === 429) return errorCodeMessage("too_many_requests");
  if (code === "bad_input") return errorCodeMessage("bad_request");
  if (code && KNOWN.has(code)) return errorCodeMessage(code);
  const byStatus = status === undefined ? undefined : BY_STATUS[status];
  if (byStatus) return errorCodeMessage(byStatus);
  if (status !== undefined && status >= 500) return errorCodeMessage("service_unreachable");
  return errorCodeMessage("generic");
}

/**
 * Why a meeting or a voice bank person failed, or a note on a PENDING one (`retrying`,
 * `worker_lost`).
 *
 * @param code Their `error_code`; an unknown or missing code reads as `processing_failed`
 *   (as `scribe_core.errors.error_message` does).
 */
export function failureText(code: string | null | undefined): Message {
  return errorCodeMessage(code && FAILURES.has(code) ? code : "processing_failed");
}

/**
 * The sentence for anything a gateway call threw: an {@link ApiError} (code and status), an
 * upload error (network loss, cancelled, or an HTTP answer), anything else → generic.
 */
export function describeError(err: unknown): Message {
  if (err && typeof err === "object") {
    const { code, status, kind } = err as { code?: unknown; status?: unknown; kind?: unknown };
    if (kind === "network") return errorCodeMessage("network_error");
    if (kind === "aborted") return errorCodeMessage("upload_aborted");
    if (typeof status === "number" || typeof code === "string") {
      return errorText(typeof code === "string" ? code : null, typeof status === "number" ? status : undefined);
    }
  }
  return errorCodeMessage("generic");
}

/**
 * Log why the gateway could not be reached (server log only) and return the sentence for the
 * log and for {@link ApiError.message}.
 *
 * @param err The network error (its message names the gateway's internal address).
 * @param during What the dashboard was doing, for the log (e.g. `"sign-in"`).
 * @returns {@link SERVICE_UNREACHABLE}.
 */
export function gatewayUnreachable(err: unknown, during: string): string {
  console.error(`gateway unreachable during ${during}:`, err instanceof Error ? err.message : String(err));
  return SERVICE_UNREACHABLE;
}

/**
 * The stable code of a gateway error body (`{"code": "no_audio_stream", …}`), or null.
 *
 * @param body The parsed JSON body, or raw text, of an error response.
 */
export function errorCode(body: unknown): string | null {
  if (!body || typeof body !== "object" || !("code" in body)) return null;
  const code = (body as { code: unknown }).code;
  return typeof code === "string" && /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : null;
}

/**
 * The gateway's own wording of an error, for logs and `Error.message` (never shown: the UI
 * shows {@link describeError}): `{"detail": "…"}`, FastAPI's `{"detail": [{"msg", "loc"}]}`,
 * short plain text, else a sentence for the status.
 *
 * @param body The parsed JSON body, or raw text, of an error response.
 * @param status The HTTP status (used when the body says nothing useful).
 */
export function errorMessage(body: unknown, status?: number): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string" && detail) return detail;
    if (Array.isArray(detail)) {
      const parts = detail
        .map((d) => {
          if (!d || typeof d !== "object") return String(d);
          const { msg: text, loc } = d as { msg?: unknown; loc?: unknown };
          const where = Array.isArray(loc) ? loc.filter((x) => x !== "body").join(".") : "";
          return where ? `${where}: ${String(text)}` : String(text);
        })
        .filter(Boolean);
      if (parts.length) return parts.join("; ");
    }
  }
  if (typeof body === "string" && body.trim() && body.length < 300 && !body.trimStart().startsWith("<")) {
    return body.trim();
  }
  if (status === 502 || status === 503 || status === 504) return SERVICE_UNREACHABLE;
  return status ? `The server answered with an error (${status}).` : "The request failed.";
}

/**
 * A failed gateway call: the HTTP status, the gateway's code, and its wording (for logs).
 * Shown to users through {@link describeError}.
 */
export class ApiError extends Error {
  /**
   * @param message The gateway's wording or a description, for logs only.
   * @param status HTTP status (502 when the gateway could not be reached).
   * @param code The gateway's stable code, or a dashboard code (`service_unreachable`).
   */
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}
