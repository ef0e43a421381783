/**
 * Signed-out deep links: a visitor without a session who opens a dashboard page (say
 * `/speakers?x=1`, or a meeting) is sent to sign in with that page, query string included, as
 * `next`; signing in (or up) returns there. Runs before rendering, so it knows the exact URL
 * asked for, which layouts do not.
 *
 * Only `GET`/`HEAD` page requests are redirected: Server Actions and the `/gw` API proxy answer
 * for themselves (a 401 there ends the session properly), and the sign-in pages, `/session`,
 * Next's assets and files with an extension are left alone. An expired token is not noticed
 * here (the cookie is there): the page's gateway call gets 401 and goes through
 * `/session/expired?next=…` instead.
 */
import { type NextRequest, NextResponse } from "next/server";
import { SESSION_COOKIE, signInPath } from "@/lib/session-utils";

export function proxy(request: NextRequest): NextResponse {
  if (request.method !== "GET" && request.method !== "HEAD") return NextResponse.next();
  if (request.cookies.get(SESSION_COOKIE)?.value) return NextResponse.next();
  const { pathname, search } = request.nextUrl;
  // Next.js requires an absolute Location here: the host the browser asked (the Host header,
  // which reverse proxies pass on), never another one.
  return NextResponse.redirect(new URL(signInPath(`${pathname}${search}`), request.url), 307);
}

export const config = {
  // Every page but `/` (it picks sign-in or the meetings itself), the sign-in and sign-up
  // pages, `/session/…`, the `/gw/…` API proxy, Next's own files and public files (a dot in
  // the last segment).
  matcher: ["/((?!sign-in|sign-up|session/|gw/|_next/|.*\\.[A-Za-z0-9]+$).+)"],
};
