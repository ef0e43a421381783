/**
 * Pure helpers of the session (no Next.js imports, so tests can load them; Node only: `Buffer`).
 */

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
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) {
    return "/meetings";
  }
  return next;
}
