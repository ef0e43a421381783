#!/usr/bin/env node
/**
 * Start the production build: `npm run build && npm start`.
 *
 * `next build` with `output: "standalone"` writes `.next/standalone/server.js` but leaves the
 * static assets out (a CDN may serve them); this copies `.next/static` and `public/` next to
 * the server, as the Next.js docs prescribe, then runs it. Environment: PORT (default 3000),
 * HOSTNAME (default 127.0.0.1; 0.0.0.0 in a container), SCRIBE_GATEWAY_URL.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Copy the static assets into the standalone folder.
 *
 * @returns The path of `server.js`.
 * @throws {Error} When `next build` has not been run.
 */
export function prepareStandalone() {
  const standalone = path.join(app, ".next/standalone");
  const server = path.join(standalone, "server.js");
  if (!existsSync(server)) throw new Error(`${server} is missing: run \`npm run build\` first.`);
  const staticDir = path.join(standalone, ".next/static");
  rmSync(staticDir, { recursive: true, force: true });
  cpSync(path.join(app, ".next/static"), staticDir, { recursive: true });
  const publicDir = path.join(app, "public");
  if (existsSync(publicDir)) cpSync(publicDir, path.join(standalone, "public"), { recursive: true });
  return server;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = prepareStandalone();
  const child = spawn(process.execPath, [server], {
    stdio: "inherit",
    env: {
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: "3000",
      HOSTNAME: "127.0.0.1",
      ...process.env,
    },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
