/**
 * `/gw/api/v1/…` → the gateway, with the session's bearer token (see `lib/gateway-proxy.ts`).
 * The browser's uploads, status polls, renames, deletes, audio and downloads go through here.
 */
import { gatewayUrl } from "@/lib/config";
import { proxyToGateway } from "@/lib/gateway-proxy";
import { getToken } from "@/lib/session";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ path: string[] }> };

async function forward(request: Request, context: Context): Promise<Response> {
  const { path } = await context.params;
  return proxyToGateway(request, path, { gatewayUrl: gatewayUrl(), token: await getToken() });
}

export { forward as DELETE, forward as GET, forward as HEAD, forward as PATCH, forward as POST, forward as PUT };
