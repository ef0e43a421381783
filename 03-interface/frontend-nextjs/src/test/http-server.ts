/**
 * A real local HTTP server for tests of the HTTP plumbing (proxy, client, upload): it listens
 * on 127.0.0.1 on a free port and answers with the handler given.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestServer {
  url: string;
  close: () => Promise<void>;
}

export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Read a request body, returning its length in bytes and its first bytes as text. */
export async function readBody(req: http.IncomingMessage): Promise<{ bytes: number; head: string; text: string }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes <= 1 << 20) chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("latin1");
  return { bytes, head: text.slice(0, 200), text };
}
