// @vitest-environment node
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readBody, startServer, type TestServer } from "@/test/http-server";
import { SERVICE_UNREACHABLE } from "./api/errors";
import { isAllowedPath, isSameOrigin, proxyToGateway, rewriteLocation } from "./gateway-proxy";

/** A stand-in gateway that reports what it received. */
let upstream: TestServer;
beforeAll(async () => {
  upstream = await startServer(async (req, res) => {
    if (req.url?.startsWith("/api/v1/redirect")) {
      res.writeHead(307, { location: "http://s3.example:9000/bucket/key?X-Amz-Signature=abc" });
      res.end();
      return;
    }
    if (req.url?.startsWith("/api/v1/self-redirect")) {
      res.writeHead(307, { location: "/api/v1/process" });
      res.end();
      return;
    }
    if (req.url?.startsWith("/api/v1/audio")) {
      res.writeHead(206, {
        "content-type": "audio/wav",
        "content-range": "bytes 10-19/100",
        "accept-ranges": "bytes",
        "set-cookie": "leak=1",
      });
      res.end(Buffer.alloc(10, 7));
      return;
    }
    const body = await readBody(req);
    res.writeHead(200, { "content-type": "application/json", "x-internal": "secret" });
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization ?? null,
        contentLength: req.headers["content-length"] ?? null,
        transferEncoding: req.headers["transfer-encoding"] ?? null,
        range: req.headers.range ?? null,
        cookie: req.headers.cookie ?? null,
        bytes: body.bytes,
      }),
    );
  });
});
afterAll(() => upstream.close());

const page = "http://dash.example:3000";

describe("proxyToGateway", () => {
  it("adds the bearer token, keeps the query, drops cookies and unknown headers", async () => {
    const request = new Request(`${page}/gw/api/v1/meetings?limit=5&offset=10`, {
      headers: { cookie: "scribe_session=t0k", "x-custom": "1", accept: "application/json" },
    });
    const response = await proxyToGateway(request, ["api", "v1", "meetings"], { gatewayUrl: upstream.url, token: "t0k" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-internal")).toBeNull();
    const seen = await response.json();
    expect(seen).toMatchObject({ method: "GET", url: "/api/v1/meetings?limit=5&offset=10", authorization: "Bearer t0k", cookie: null });
  });

  it("streams a 6 MB upload with its Content-Length (so the gateway can answer 413 up front)", async () => {
    const payload = randomBytes(6 * 1024 * 1024);
    const request = new Request(`${page}/gw/api/v1/process`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(payload.length), host: "dash.example:3000" },
      body: payload,
    });
    const response = await proxyToGateway(request, ["api", "v1", "process"], { gatewayUrl: upstream.url, token: "t" });
    const seen = await response.json();
    expect(seen.bytes).toBe(payload.length);
    expect(seen.contentLength).toBe(String(payload.length));
    expect(seen.transferEncoding).toBeNull();
  });

  it("passes Range requests and 206 answers through, without Set-Cookie", async () => {
    const request = new Request(`${page}/gw/api/v1/audio`, { headers: { range: "bytes=10-19" } });
    const response = await proxyToGateway(request, ["api", "v1", "audio"], { gatewayUrl: upstream.url });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe("bytes 10-19/100");
    expect(response.headers.get("accept-ranges")).toBe("bytes");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect((await response.arrayBuffer()).byteLength).toBe(10);
  });

  it("hands presigned redirects to the browser and maps gateway redirects under /gw", async () => {
    const external = await proxyToGateway(new Request(`${page}/gw/api/v1/redirect`), ["api", "v1", "redirect"], { gatewayUrl: upstream.url });
    expect(external.status).toBe(307);
    expect(external.headers.get("location")).toBe("http://s3.example:9000/bucket/key?X-Amz-Signature=abc");
    const internal = await proxyToGateway(new Request(`${page}/gw/api/v1/self-redirect`), ["api", "v1", "self-redirect"], { gatewayUrl: upstream.url });
    expect(internal.headers.get("location")).toBe("/gw/api/v1/process");
  });

  it("refuses paths outside the API and cross-origin writes", async () => {
    const outside = await proxyToGateway(new Request(`${page}/gw/docs`), ["docs"], { gatewayUrl: upstream.url });
    expect(outside.status).toBe(404);
    const traversal = await proxyToGateway(new Request(`${page}/gw/api/v1/../../etc`), ["api", "v1", "..", "etc"], { gatewayUrl: upstream.url });
    expect(traversal.status).toBe(404);
    const csrf = await proxyToGateway(
      new Request(`${page}/gw/api/v1/meetings/1`, { method: "DELETE", headers: { origin: "https://evil.example", host: "dash.example:3000" } }),
      ["api", "v1", "meetings", "1"],
      { gatewayUrl: upstream.url, token: "t" },
    );
    expect(csrf.status).toBe(403);
  });

  it("answers 502 with a sentence, not the gateway's address, when the gateway is down", async () => {
    const down = await startServer(() => undefined);
    const url = down.url;
    await down.close();
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const response = await proxyToGateway(new Request(`${page}/gw/api/v1/meetings`), ["api", "v1", "meetings"], { gatewayUrl: url });
      expect(response.status).toBe(502);
      const body = (await response.json()) as Record<string, string>;
      expect(body).toEqual({ error: "BadGateway", code: "gateway_unreachable", detail: SERVICE_UNREACHABLE });
      const { port } = new URL(url);
      expect(JSON.stringify(body)).not.toContain(port);
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      // The details stay in the server log.
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0]?.[1])).toMatch(/ECONNREFUSED/);
    } finally {
      logged.mockRestore();
    }
  });
});

describe("helpers", () => {
  it("isAllowedPath accepts only api/v1 paths without dot segments", () => {
    expect(isAllowedPath(["api", "v1", "status", "abc"])).toBe(true);
    expect(isAllowedPath(["api", "v1"])).toBe(false);
    expect(isAllowedPath(["api", "v2", "x"])).toBe(false);
    expect(isAllowedPath(["api", "v1", "."])).toBe(false);
    expect(isAllowedPath(["api", "v1", "a\u0000b"])).toBe(false);
  });

  it("isSameOrigin lets reads and same-origin writes through", () => {
    expect(isSameOrigin(new Request(`${page}/x`, { headers: { origin: "https://evil.example" } }))).toBe(true);
    expect(isSameOrigin(new Request(`${page}/x`, { method: "POST", headers: { origin: page, host: "dash.example:3000" } }))).toBe(true);
    expect(isSameOrigin(new Request(`${page}/x`, { method: "POST", headers: { origin: "null", host: "dash.example:3000" } }))).toBe(false);
  });

  it("rewriteLocation keeps foreign URLs and maps the gateway's own", () => {
    expect(rewriteLocation("http://127.0.0.1:5000/api/v1/status/1?a=b", "http://127.0.0.1:5000")).toBe("/gw/api/v1/status/1?a=b");
    expect(rewriteLocation("https://minio.example/x", "http://127.0.0.1:5000")).toBe("https://minio.example/x");
  });
});
