/**
 * The gateway client as server components, Server Actions and Route Handlers use it: straight
 * to the gateway (`SCRIBE_GATEWAY_URL`) with the session's bearer token, never cached.
 */
import { redirect } from "next/navigation";
import { gatewayUrl } from "../config";
import { getToken, requireToken } from "../session";
import { createGatewayClient, type FetchResult, type GatewayClient, unwrap } from "./client";
import { ApiError } from "./errors";

const noStore: typeof fetch = (input, init) => fetch(input, { ...init, cache: "no-store" });

/**
 * A client of the gateway for the current request.
 *
 * @param token Bearer token; `undefined` takes the session cookie's, `null` sends none
 *   (sign-up and sign-in).
 */
export async function serverGateway(token?: string | null): Promise<GatewayClient> {
  const bearer = token === null ? undefined : (token ?? (await getToken()));
  return createGatewayClient({ baseUrl: gatewayUrl(), token: bearer, fetch: noStore });
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
    throw new ApiError(
      `The gateway at ${gatewayUrl()} cannot be reached (${err instanceof Error ? err.message : String(err)}).`,
      502,
    );
  }
  if (result.response.status === 401) redirect(`/session/expired?next=${encodeURIComponent(next)}`);
  return unwrap(result);
}
