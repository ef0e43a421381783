// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBody, startServer, type TestServer } from "@/test/http-server";
import { createGatewayClient, unwrap } from "./client";
import { ApiError } from "./errors";

let server: TestServer;
const seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body: body.text });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.url?.startsWith("/api/v1/meetings?")) return json(200, { items: [], total: 0, limit: 5, offset: 0 });
    if (req.url === "/api/v1/status/unknown") return json(404, { error: "NotFoundError", detail: "no task unknown" });
    if (req.method === "DELETE") {
      res.writeHead(204);
      return res.end();
    }
    if (req.method === "PATCH") return json(200, { ok: true });
    return json(500, { error: "InternalError", detail: "unexpected" });
  });
});
afterAll(() => server.close());

describe("createGatewayClient", () => {
  it("sends the bearer token and typed query parameters", async () => {
    const gw = createGatewayClient({ baseUrl: `${server.url}/`, token: "abc" });
    const page = unwrap(await gw.GET("/api/v1/meetings", { params: { query: { limit: 5, offset: 0 } } }));
    expect(page.total).toBe(0);
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/api/v1/meetings?limit=5&offset=0", authorization: "Bearer abc" });
  });

  it("sends no Authorization header without a token", async () => {
    const gw = createGatewayClient({ baseUrl: server.url });
    await gw.GET("/api/v1/meetings", { params: { query: { limit: 5 } } });
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it("serialises the rename body as JSON", async () => {
    const gw = createGatewayClient({ baseUrl: server.url, token: "abc" });
    await gw.PATCH("/api/v1/meetings/{meeting_id}/speakers/{label}", {
      params: { path: { meeting_id: "5b0c…", label: "SPEAKER_00" } },
      body: { name: "Diane" },
    });
    const last = seen.at(-1)!;
    expect(last.url).toBe("/api/v1/meetings/5b0c%E2%80%A6/speakers/SPEAKER_00");
    expect(JSON.parse(last.body)).toEqual({ name: "Diane" });
  });
});

describe("unwrap", () => {
  it("throws an ApiError carrying the gateway's status and detail", async () => {
    const gw = createGatewayClient({ baseUrl: server.url, token: "abc" });
    const result = await gw.GET("/api/v1/status/{task_id}", { params: { path: { task_id: "unknown" } } });
    expect(() => unwrap(result)).toThrow(ApiError);
    expect(() => unwrap(result)).toThrow("no task unknown");
    try {
      unwrap(result);
    } catch (err) {
      expect((err as ApiError).status).toBe(404);
    }
  });

  it("returns undefined for 204 No Content", async () => {
    const gw = createGatewayClient({ baseUrl: server.url, token: "abc" });
    const result = await gw.DELETE("/api/v1/meetings/{meeting_id}", { params: { path: { meeting_id: "m" } } });
    expect(unwrap(result)).toBeUndefined();
  });
});
