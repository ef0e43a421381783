/**
 * Pure helpers of the session (no Next.js imports, so tests and the proxy can load them;
 * `secondsUntilExpiry` needs Node's `Buffer`).
 */

/** Name of the session cookie (the gateway's token, httpOnly). */
export const SESSION_COOKIE = "scribe_session";

/** Where a signed-in user lands when no (valid) `next` says otherwise. */
export const DEFAULT_NEXT = "/meetings";

/** Longest `next` kept (a longer one is not a page of this dashboard). */
const MAX_NEXT_LENGTH = 2048;

/**
 * Seconds until a JWT expires, read from its `exp` claim without verifying the signature
 * (the gateway verifies it on every call; this only sizes the cookie).
 *
 * @param token A compact JWS (`header.payload.signature`).
 * @param now Current time in seconds since the epoch.
 * @returns Seconds left (at least 60), or undefined when the token has no readable `exp`.
 */
export function secondsUntilExpiry(token: string, now = Date.now() / 1000): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    if (typeof claims.exp !== "number") return undefined;
    return Math.max(60, Math.floor(claims.exp - now));
  } catch {
    return undefined;
  }
}

/**
 * Where to go after signing in: a same-site path only (an open redirect otherwise).
 *
 * @param next The `next` query parameter.
 * @returns `next` when it is a path starting with a single `/` (with its query string), without
 *   a backslash or a control character (browsers drop tabs and newlines from URLs, so
 *   `/\t/evil.example` would become `//evil.example`), at most 2048 characters; else
 *   {@link DEFAULT_NEXT}. `//host`, `http://…`, `javascript:…` are refused.
 */
export function safeNext(next: unknown): string {
  if (
    typeof next !== "string" ||
    next.length > MAX_NEXT_LENGTH ||
    !next.startsWith("/") ||
    next.startsWith("//") ||
    next.includes("\\") ||
    /[\u0000-\u001f\u007f]/.test(next)
  ) {
    return DEFAULT_NEXT;
  }
  return next;
}

/**
 * The sign-in page that returns to `next` afterwards (a relative URL, so that the browser stays
 * on the host it used, behind any reverse proxy).
 *
 * @param next The page asked for: path and query string, e.g. `/speakers?x=1`.
 */
export function signInPath(next: string): string {
  return `/sign-in?next=${encodeURIComponent(safeNext(next))}`;
}
