/**
 * The session: the gateway's JWT kept in an httpOnly, SameSite=Lax cookie set by the Next
 * server. Browser scripts never read it; `/gw/…` and server components attach it as a bearer
 * token. Server-only (uses `next/headers`).
 */
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cookieSecureOverride } from "./config";
import { SESSION_COOKIE, secondsUntilExpiry, signInPath } from "./session-utils";

export { SESSION_COOKIE };

/** Fallback lifetime of the cookie when the token carries no `exp` claim (seconds). */
const DEFAULT_MAX_AGE_SECONDS = 24 * 60 * 60;

/** The access token of the signed-in user, or undefined. */
export async function getToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value || undefined;
}

/**
 * The access token, or a redirect to the sign-in page (with `next` set to come back).
 *
 * @param next Path to return to after signing in.
 */
export async function requireToken(next = "/meetings"): Promise<string> {
  const token = await getToken();
  if (!token) redirect(signInPath(next));
  return token;
}

async function secureCookie(): Promise<boolean> {
  const forced = cookieSecureOverride();
  if (forced !== undefined) return forced;
  return (await headers()).get("x-forwarded-proto") === "https";
}

/**
 * Store the token in the session cookie (Server Actions and Route Handlers only).
 *
 * @param token The gateway's access token.
 */
export async function setToken(token: string): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: await secureCookie(),
    path: "/",
    maxAge: secondsUntilExpiry(token) ?? DEFAULT_MAX_AGE_SECONDS,
  });
}

/** Remove the session cookie (Server Actions and Route Handlers only). */
export async function clearToken(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}
