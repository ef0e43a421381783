// @vitest-environment node
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "@/test/http-server";
import { proxyToGateway } from "./gateway-proxy";

/** A stand-in gateway streaming Server-Sent Events: the second event is only written once the
 * test has received the first through the proxy, so a buffering proxy would hang. */
let upstream: TestServer;
let release: () => void = () => undefined;
let seenLastEventId: string | undefined;
beforeAll(async () => {
  upstream = await startServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    seenLastEventId = req.headers["last-event-id"] as string | undefined;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    });
    res.write('event: status\r\nid: 1\r\nretry: 2000\r\ndata: {"status":"PROCESSING"}\r\n\r\n');
    release = () => {
      res.write('event: final\r\nid: 2\r\ndata: {"status":"COMPLETED"}\r\n\r\n');
      res.end();
    };
  });
});
afterAll(() => upstream.close());

describe("proxyToGateway and Server-Sent Events", () => {
  it("passes each event on as it arrives, with the stream's headers", async () => {
    const request = new Request("http://dash.example:3000/gw/api/v1/status/t/events", {
      headers: { accept: "text/event-stream", "last-event-id": "1" },
    });
    const response = await proxyToGateway(request, ["api", "v1", "status", "t", "events"], { gatewayUrl: upstream.url, token: "t0k" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(seenLastEventId).toBe("1");

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\r\n\r\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('data: {"status":"PROCESSING"}');
    expect(text).not.toContain("COMPLETED");

    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('event: final\r\nid: 2\r\ndata: {"status":"COMPLETED"}');
  });
});
