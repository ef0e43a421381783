/**
 * `GET /session/expired?next=…`: the gateway refused the token (expired or revoked). Clears the
 * session cookie and sends the user to sign in, coming back to `next` afterwards.
 */
import { NextResponse } from "next/server";
import { SESSION_COOKIE } from "@/lib/session";
import { safeNext } from "@/lib/session-utils";

export const dynamic = "force-dynamic";

export function GET(request: Request): Response {
  const url = new URL(request.url);
  const next = safeNext(url.searchParams.get("next"));
  // A relative Location (RFC 9110 §10.2.2) keeps the browser on the host it used, behind any
  // reverse proxy.
  const response = new NextResponse(null, {
    status: 303,
    headers: { location: `/sign-in?expired=1&next=${encodeURIComponent(next)}` },
  });
  response.cookies.delete(SESSION_COOKIE);
  return response;
}
