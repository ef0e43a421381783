/**
 * Streaming reverse proxy from the dashboard's `/gw/…` route to the gateway.
 *
 * The browser never sees the access token: it lives in an httpOnly cookie, and this proxy adds
 * `Authorization: Bearer <token>` on the way to the gateway. Bodies are streamed in both
 * directions with back-pressure (node `http.request` + `stream.pipeline`), so an upload of any
 * size holds a few 64 KiB chunks in memory, and `Content-Length` is kept so that the gateway can
 * refuse an oversized upload (413) before reading it. `Range` requests and `206` answers pass
 * through, so the audio player can seek. Server-Sent Events (`text/event-stream`, the live
 * status of a task) stream through unbuffered: every chunk is passed on as it arrives, and the
 * gateway's `Cache-Control: no-transform` keeps Next's compression off them. Redirects are handed to the browser (presigned
 * object-store URLs), with gateway-relative locations rewritten under `/gw`.
 *
 * Server-only (node:http). The route `src/app/gw/[...path]/route.ts` is the only caller.
 */
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { gatewayUnreachable } from "./api/errors";
import { PROXY_PREFIX } from "./proxy-prefix";

export { PROXY_PREFIX };

/** Request headers copied from the browser to the gateway (everything else is dropped). */
const FORWARDED_REQUEST_HEADERS = [
  "accept",
  "accept-language",
  "content-type",
  "content-length",
  "range",
  "if-range",
  "if-none-match",
  "if-modified-since",
  "idempotency-key",
  "last-event-id",
] as const;

/** Response headers copied from the gateway to the browser. */
const FORWARDED_RESPONSE_HEADERS = [
  "content-type",
  "content-length",
  "content-range",
  "content-disposition",
  "accept-ranges",
  "cache-control",
  "etag",
  "last-modified",
  "retry-after",
  "location",
  "x-accel-buffering",
  "idempotent-replayed",
] as const;

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Options of {@link proxyToGateway}. */
export interface ProxyOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:5000`. */
  gatewayUrl: string;
  /** The user's access token (JWT), or undefined when signed out. */
  token?: string | undefined;
  /** Seconds to wait for the gateway's response headers once the request body is sent
   * (default 60 s; the upload itself and the response body are not time-limited). */
  headersTimeoutSeconds?: number;
}

/**
 * Whether a proxied path may be forwarded: only the versioned API (`api/v1/…`), no empty,
 * `.` or `..` segments.
 *
 * @param segments The catch-all route segments after `/gw/`, already URL-decoded.
 */
export function isAllowedPath(segments: readonly string[]): boolean {
  if (segments.length < 3 || segments[0] !== "api" || segments[1] !== "v1") return false;
  return segments.every((s) => s !== "" && s !== "." && s !== ".." && !/[\u0000-\u001f]/.test(s));
}

/**
 * Whether a state-changing request comes from this dashboard's own pages (CSRF defence in
 * depth on top of the `SameSite=Lax` cookie): the `Origin` header, when present, must equal
 * the request's own origin as the browser addressed it.
 *
 * @param request The incoming request.
 */
export function isSameOrigin(request: Request): boolean {
  if (!METHODS_WITH_BODY.has(request.method.toUpperCase())) return true;
  const origin = request.headers.get("origin");
  if (!origin) return true; // Not a browser cross-origin request (curl, same-origin fetch in old engines).
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Map a `Location` from the gateway to one the browser can follow: absolute URLs to another
 * host (presigned object-store URLs) are kept; locations on the gateway itself are rewritten
 * under {@link PROXY_PREFIX}.
 *
 * @param location The gateway's `Location` header.
 * @param gatewayUrl Base URL of the gateway.
 */
export function rewriteLocation(location: string, gatewayUrl: string): string {
  const gateway = new URL(gatewayUrl);
  const target = new URL(location, gateway);
  if (target.origin !== gateway.origin) return target.toString();
  return `${PROXY_PREFIX}${target.pathname}${target.search}`;
}

/** A JSON error in the gateway's own error shape (`{error, code, detail}`). */
function jsonError(status: number, error: string, code: string, detail: string): Response {
  return Response.json({ error, code, detail }, { status, headers: { "cache-control": "no-store" } });
}

/**
 * Forward one request to the gateway and stream the answer back.
 *
 * @param request The browser's request to `/gw/<segments…>?<query>`.
 * @param segments The catch-all segments (URL-decoded) naming the gateway path.
 * @param options Gateway URL and the user's token.
 * @returns The gateway's response (status, selected headers, streamed body), or
 *   `404 NotFound` for a path outside `api/v1`, `403 Forbidden` for a cross-origin write,
 *   `502 BadGateway` (code `gateway_unreachable`, a sentence without the gateway's address;
 *   the network error goes to the server log) when the gateway cannot be reached.
 */
export async function proxyToGateway(
  request: Request,
  segments: readonly string[],
  options: ProxyOptions,
): Promise<Response> {
  if (!isAllowedPath(segments)) return jsonError(404, "NotFound", "not_found", "No such API path.");
  if (!isSameOrigin(request)) {
    return jsonError(403, "Forbidden", "forbidden", "Cross-origin requests are not accepted.");
  }
  const incoming = new URL(request.url);
  const target = new URL(
    `/${segments.map(encodeURIComponent).join("/")}${incoming.search}`,
    options.gatewayUrl,
  );

  const headers: http.OutgoingHttpHeaders = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const forwardedFor = request.headers.get("x-forwarded-for");
  if (forwardedFor) headers["x-forwarded-for"] = forwardedFor;

  const method = request.method.toUpperCase();
  const hasBody = METHODS_WITH_BODY.has(method) && request.body !== null;
  if (!hasBody) delete headers["content-length"];
  const transport = target.protocol === "https:" ? https : http;
  const timeoutMs = (options.headersTimeoutSeconds ?? 60) * 1000;

  return new Promise<Response>((resolve) => {
    let settled = false;
    const finish = (response: Response) => {
      if (!settled) {
        settled = true;
        resolve(response);
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const upstream = transport.request(target, { method, headers }, (res) => {
      clearTimeout(timer);
      const out = new Headers();
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = res.headers[name];
        if (value === undefined) continue;
        const text = Array.isArray(value) ? value.join(", ") : value;
        out.set(name, name === "location" ? rewriteLocation(text, options.gatewayUrl) : text);
      }
      const status = res.statusCode ?? 502;
      const bodyless = method === "HEAD" || status === 204 || status === 304;
      if (bodyless) {
        res.resume();
        finish(new Response(null, { status, headers: out }));
        return;
      }
      const body = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
      finish(new Response(body, { status, headers: out }));
    });
    upstream.on("finish", () => {
      timer = setTimeout(() => upstream.destroy(new Error("no answer in time")), timeoutMs);
    });
    upstream.on("error", (err) => {
      clearTimeout(timer);
      const detail = gatewayUnreachable(err, `${method} /${segments.join("/")}`);
      finish(jsonError(502, "BadGateway", "gateway_unreachable", detail));
    });
    request.signal?.addEventListener("abort", () => upstream.destroy(new Error("client aborted")));

    if (hasBody && request.body) {
      const source = Readable.fromWeb(request.body as unknown as NodeWebReadableStream<Uint8Array>);
      source.on("error", (err) => upstream.destroy(err));
      source.pipe(upstream);
    } else {
      upstream.end();
    }
  });
}
