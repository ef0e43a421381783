/**
 * Server-side configuration of the dashboard, read from the environment at run time (never
 * inlined into the browser bundle: no `NEXT_PUBLIC_` variable is used).
 *
 * - `SCRIBE_GATEWAY_URL`: base URL of the gateway as the Next server reaches it
 *   (default `http://127.0.0.1:5000`, the `scribe serve` default).
 * - `SCRIBE_MAX_UPLOAD_BYTES`: largest file the upload form accepts, in bytes (default 4 GiB,
 *   the gateway's `MAX_UPLOAD_BYTES` default); the gateway enforces its own limit anyway (413).
 * - `SCRIBE_COOKIE_SECURE`: `true`/`false` forces the `Secure` flag of the session cookie;
 *   unset means "Secure when the request came over HTTPS".
 */

/** Base URL of the gateway, without a trailing slash. */
export function gatewayUrl(): string {
  return (process.env.SCRIBE_GATEWAY_URL ?? "http://127.0.0.1:5000").replace(/\/+$/, "");
}

/** Largest upload the form accepts, in bytes. */
export function maxUploadBytes(): number {
  const value = Number(process.env.SCRIBE_MAX_UPLOAD_BYTES);
  return Number.isFinite(value) && value > 0 ? value : 4 * 1024 ** 3;
}

/** The forced `Secure` cookie flag, or undefined to follow the request's protocol. */
export function cookieSecureOverride(): boolean | undefined {
  const value = process.env.SCRIBE_COOKIE_SECURE?.toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  return undefined;
}
