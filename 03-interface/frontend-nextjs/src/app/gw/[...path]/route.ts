/**
 * `/gw/api/v1/…` → the gateway, with the session's bearer token (see `lib/gateway-proxy.ts`).
 * The browser's uploads, status polls, renames, deletes, audio and downloads go through here.
 * When the gateway cannot be reached (or its configured address is unusable) the browser gets
 * `502 {"error": "BadGateway", "code": "gateway_unreachable", "detail": <a sentence>}`; the
 * address and the network error go to the server log only.
 */
import { gatewayUnreachable } from "@/lib/api/errors";
import { gatewayUrl } from "@/lib/config";
import { proxyToGateway } from "@/lib/gateway-proxy";
import { getToken } from "@/lib/session";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ path: string[] }> };

async function forward(request: Request, context: Context): Promise<Response> {
  const { path } = await context.params;
  try {
    return await proxyToGateway(request, path, { gatewayUrl: gatewayUrl(), token: await getToken() });
  } catch (err) {
    const detail = gatewayUnreachable(err, `${request.method} /${path.join("/")}`);
    return Response.json(
      { error: "BadGateway", code: "gateway_unreachable", detail },
      { status: 502, headers: { "cache-control": "no-store" } },
    );
  }
}

export { forward as DELETE, forward as GET, forward as HEAD, forward as PATCH, forward as POST, forward as PUT };
