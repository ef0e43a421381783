/**
 * Errors of gateway calls, turned into messages a person can act on.
 */

/**
 * What the dashboard says when the gateway cannot be reached. The gateway's address and the
 * network error stay in the server log ({@link gatewayUnreachable}); users never see them.
 */
export const SERVICE_UNREACHABLE = "The service is not reachable right now; try again in a moment.";

/**
 * Log why the gateway could not be reached (server log only) and return the sentence to show.
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
 * Human-readable message from a gateway error body: `{"error", "detail"}` (project errors),
 * `{"detail": [{"msg", "loc"}]}` (FastAPI validation errors) or `{"detail": "…"}`.
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
          const { msg, loc } = d as { msg?: unknown; loc?: unknown };
          const where = Array.isArray(loc) ? loc.filter((x) => x !== "body").join(".") : "";
          return where ? `${where}: ${String(msg)}` : String(msg);
        })
        .filter(Boolean);
      if (parts.length) return parts.join("; ");
    }
  }
  if (typeof body === "string" && body.trim() && body.length < 300 && !body.trimStart().startsWith("<")) {
    return body.trim();
  }
  switch (status) {
    case 400:
      return "The request was refused (400).";
    case 401:
      return "Your session has expired; please sign in again.";
    case 403:
      return "You are not allowed to do this.";
    case 404:
      return "Not found.";
    case 413:
      return "The file is larger than the server accepts.";
    case 415:
      return "This file type is not supported.";
    case 502:
    case 503:
    case 504:
      return SERVICE_UNREACHABLE;
    default:
      return status ? `The server answered with an error (${status}).` : "The request failed.";
  }
}

/** A failed gateway call: HTTP status and the message for the user. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}
