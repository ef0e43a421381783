#!/usr/bin/env node
/**
 * Benchmark (prints a table; not a test): memory and throughput of an upload streamed through
 * the dashboard's `/gw` proxy, the path every browser upload takes.
 *
 *   npm run build && node scripts/bench-upload.mjs [MiB]      (default 1024 MiB)
 *
 * A sink HTTP server stands in for the gateway (reads and discards the body, answers 202);
 * the production build runs on a free port in front of it. The body is generated on the fly
 * (never held in memory here either). Reports the dashboard server's peak RSS (VmHWM, Linux)
 * before and after, and MB/s through the proxy versus straight to the sink.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { prepareStandalone } from "./start-standalone.mjs";

const mib = Number(process.argv[2] ?? 1024);
const total = mib * 1024 * 1024;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const sink = http.createServer((req, res) => {
  let bytes = 0;
  req.on("data", (c) => (bytes += c.length));
  req.on("end", () => {
    res.writeHead(202, { "content-type": "application/json" });
    res.end(JSON.stringify({ bytes }));
  });
});
const sinkPort = await freePort();
await new Promise((r) => sink.listen(sinkPort, "127.0.0.1", r));

const dashPort = await freePort();
const server = prepareStandalone();
const child = spawn(process.execPath, [server], {
  cwd: path.dirname(server),
  env: { ...process.env, PORT: String(dashPort), HOSTNAME: "127.0.0.1", NEXT_TELEMETRY_DISABLED: "1", SCRIBE_GATEWAY_URL: `http://127.0.0.1:${sinkPort}` },
  stdio: "ignore",
});
const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
for (let i = 0; i < 120; i += 1) {
  try {
    await fetch(`http://127.0.0.1:${dashPort}/sign-in`);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 250));
  }
}

function body() {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  let sent = 0;
  return Readable.from(
    (function* () {
      while (sent < total) {
        sent += chunk.length;
        yield chunk;
      }
    })(),
  );
}

function upload(url, headers) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/octet-stream", "content-length": String(total), ...headers } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, seconds: Number(process.hrtime.bigint() - t0) / 1e9, text }));
    });
    req.on("error", reject);
    body().pipe(req);
  });
}

const before = hwm();
const direct = await upload(`http://127.0.0.1:${sinkPort}/api/v1/process`, {});
const proxied = await upload(`http://127.0.0.1:${dashPort}/gw/api/v1/process`, { cookie: "scribe_session=bench" });
const after = hwm();
child.kill("SIGTERM");
sink.close();

const mb = total / 1e6;
const rows = [
  ["upload size", `${mib} MiB`],
  ["dashboard peak RSS before", `${(before / 1e6).toFixed(0)} MB`],
  ["dashboard peak RSS after", `${(after / 1e6).toFixed(0)} MB`],
  ["bytes received by the sink (proxied)", JSON.parse(proxied.text).bytes === total ? `${total} (all)` : proxied.text],
  ["straight to the sink", `${(mb / direct.seconds).toFixed(0)} MB/s`],
  ["through the dashboard proxy", `${(mb / proxied.seconds).toFixed(0)} MB/s (status ${proxied.status})`],
  ["proxy / direct throughput", (direct.seconds / proxied.seconds).toFixed(2)],
];
const w = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
