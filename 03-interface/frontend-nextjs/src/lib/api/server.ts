/**
 * The gateway client as server components, Server Actions and Route Handlers use it: straight
 * to the gateway (`SCRIBE_GATEWAY_URL`) with the session's bearer token, never cached.
 */
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { gatewayUrl } from "../config";
import { getToken, requireToken } from "../session";
import { createGatewayClient, type FetchResult, type GatewayClient, unwrap } from "./client";
import { ApiError, gatewayUnreachable } from "./errors";

/**
 * The browser's address as this server received it (Next.js sets `x-forwarded-for` on every
 * incoming request), so the gateway's per-address login throttling counts each browser on its
 * own instead of counting every dashboard user as the dashboard server. The gateway trusts
 * the header only from the addresses uvicorn is told to trust (`FORWARDED_ALLOW_IPS`).
 */
async function browserAddress(): Promise<string | undefined> {
  try {
    const forwarded = (await headers()).get("x-forwarded-for");
    return forwarded?.split(",")[0]?.trim() || undefined;
  } catch {
    return undefined; // outside a request (build time)
  }
}

function noStoreFetch(address: string | undefined): typeof fetch {
  return (input, init) => {
    if (!address) return fetch(input, { ...init, cache: "no-store" });
    const request = new Request(input, init);
    request.headers.set("X-Forwarded-For", address);
    return fetch(request, { cache: "no-store" });
  };
}

/**
 * A client of the gateway for the current request.
 *
 * @param token Bearer token; `undefined` takes the session cookie's, `null` sends none
 *   (sign-up and sign-in).
 */
export async function serverGateway(token?: string | null): Promise<GatewayClient> {
  const bearer = token === null ? undefined : (token ?? (await getToken()));
  return createGatewayClient({ baseUrl: gatewayUrl(), token: bearer, fetch: noStoreFetch(await browserAddress()) });
}

/**
 * Run a gateway call for a page: the data; a redirect to sign in when there is no session
 * (layouts and pages render in parallel, so each page checks for itself), or when the
 * gateway answers `401` (expired token).
 *
 * @param call The call, e.g. `(gw) => gw.GET("/api/v1/meetings", …)`.
 * @param next The page to come back to after signing in.
 * @throws {ApiError} For any other error status (rendered by the route's `error.tsx`, or
 *   turned into `notFound()` by the caller for 404).
 */
export async function load<T>(
  call: (gw: GatewayClient) => Promise<FetchResult<T>>,
  next: string,
): Promise<T> {
  const token = await requireToken(next);
  let result: FetchResult<T>;
  try {
    result = await call(await serverGateway(token));
  } catch (err) {
    throw new ApiError(gatewayUnreachable(err, `page ${next}`), 502, "service_unreachable");
  }
  if (result.response.status === 401) redirect(`/session/expired?next=${encodeURIComponent(next)}`);
  return unwrap(result);
}
