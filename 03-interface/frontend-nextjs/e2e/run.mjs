#!/usr/bin/env node
/**
 * End-to-end runner (`npm run test:e2e`, after `next build`):
 *
 *   1. skips (exit 0, with the reason) when ../shared/eval/sample-call/sample.wav is absent;
 *   2. starts the real gateway in its embedded default — `scribe serve` on a free port with a
 *      fresh temporary SCRIBE_DATA_DIR (SQLite, local object store, in-process queue and
 *      pipeline), server URLs such as DATABASE_URL/REDIS_URL/MINIO_ENDPOINT removed from its
 *      environment;
 *   3. starts the production build (`.next/standalone/server.js`, static assets copied next
 *      to it) on another free port, pointed at that gateway;
 *   4. runs e2e/*.test.mjs with node:test (playwright-core driving Debian's Chromium);
 *   5. stops both servers and removes the temporary directory, whatever happened.
 *
 * Environment: SCRIBE_BIN (default <repo>/.venv/bin/scribe), CHROMIUM_PATH (default
 * /usr/bin/chromium), SCRIBE_EVAL_DIR (default <repo>/../shared/eval), E2E_KEEP=1 keeps the
 * temporary directory and logs.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prepareStandalone } from "../scripts/start-standalone.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const app = path.resolve(here, "..");
const repo = path.resolve(app, "../..");
const evalDir = process.env.SCRIBE_EVAL_DIR ?? path.resolve(repo, "../shared/eval");
const sampleWav = path.join(evalDir, "sample-call/sample.wav");
const scribeBin = process.env.SCRIBE_BIN ?? path.join(repo, ".venv/bin/scribe");
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

if (!existsSync(sampleWav)) {
  console.log(`SKIP e2e: ${sampleWav} not found (the evaluation set lives in ../shared/eval next to the repository; set SCRIBE_EVAL_DIR).`);
  process.exit(0);
}
for (const [what, file, hint] of [
  ["scribe", scribeBin, "run scripts/install.sh (or set SCRIBE_BIN)"],
  ["Chromium", chromium, "apt-get install -y chromium (or set CHROMIUM_PATH)"],
]) {
  if (!existsSync(file)) {
    console.error(`e2e: ${what} not found at ${file}: ${hint}.`);
    process.exit(2);
  }
}

/** A TCP port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers with `status` (or any 2xx/3xx), or throw after `seconds`. */
async function waitFor(url, seconds, child, name) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before answering`);
    try {
      const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
      if (res.status < 400) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} did not answer at ${url} within ${seconds} s`);
}

/** Stop a detached child and its process group: SIGTERM, then SIGKILL after 10 s. */
async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

function tail(file, lines = 40) {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "scribe-e2e-"));
const dataDir = path.join(tmp, "data");
mkdirSync(dataDir);
const gatewayLog = path.join(tmp, "gateway.log");
const dashboardLog = path.join(tmp, "dashboard.log");

const children = [];
let code = 1;
const cleanup = async () => {
  for (const child of children.reverse()) await stop(child);
  if (process.env.E2E_KEEP) console.log(`e2e: kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}

try {
  const [gatewayPort, dashboardPort] = [await freePort(), await freePort()];
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const baseUrl = `http://127.0.0.1:${dashboardPort}`;

  const gatewayEnv = { ...process.env, SCRIBE_DATA_DIR: dataDir, PYANNOTE_METRICS_ENABLED: "0", HF_HUB_OFFLINE: "1" };
  for (const name of ["DATABASE_URL", "POSTGRES_HOST", "MINIO_ENDPOINT", "REDIS_URL", "STORAGE_DIR", "JWT_SECRET", "ENVIRONMENT"]) {
    delete gatewayEnv[name];
  }
  console.log(`e2e: starting scribe serve on ${gatewayUrl} (data in ${dataDir})`);
  const gateway = spawn(scribeBin, ["serve", "--host", "127.0.0.1", "--port", String(gatewayPort)], {
    cwd: tmp, // no stray .env from the checkout: the embedded default, nothing else
    env: gatewayEnv,
    detached: true,
    stdio: ["ignore", openSync(gatewayLog, "a"), openSync(gatewayLog, "a")],
  });
  children.push(gateway);
  await waitFor(`${gatewayUrl}/health`, 180, gateway, "scribe serve");

  const server = prepareStandalone();
  console.log(`e2e: starting the dashboard (production build) on ${baseUrl}`);
  const dashboard = spawn(process.execPath, [server], {
    cwd: path.dirname(server),
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(dashboardPort),
      HOSTNAME: "127.0.0.1",
      SCRIBE_GATEWAY_URL: gatewayUrl,
    },
    detached: true,
    stdio: ["ignore", openSync(dashboardLog, "a"), openSync(dashboardLog, "a")],
  });
  children.push(dashboard);
  await waitFor(`${baseUrl}/sign-in`, 60, dashboard, "the dashboard");

  const tests = readdirSync(here)
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => path.join(here, f));
  const runner = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...tests], {
    stdio: "inherit",
    env: {
      ...process.env,
      E2E_BASE_URL: baseUrl,
      E2E_GATEWAY_URL: gatewayUrl,
      E2E_SAMPLE_WAV: sampleWav,
      E2E_SAMPLE_STM: path.join(evalDir, "sample-call/sample.stm"),
      E2E_KATIE_WAV: path.join(evalDir, "katie-steve/enrollment_audio_katie.wav"),
      E2E_CHROMIUM: chromium,
      // Into the (git-ignored) artifacts by default, so a test run leaves the checkout clean;
      // E2E_SCREENSHOTS=../../docs/screenshots refreshes the README's images.
      E2E_SCREENSHOTS: path.resolve(process.env.E2E_SCREENSHOTS ?? path.join(app, "e2e/.artifacts/screenshots")),
      E2E_ARTIFACTS: path.join(app, "e2e/.artifacts"),
    },
  });
  code = await new Promise((resolve) => runner.on("exit", (c) => resolve(c ?? 1)));
  if (code !== 0) {
    console.error(`\n--- gateway log (last lines) ---\n${tail(gatewayLog)}`);
    console.error(`\n--- dashboard log (last lines) ---\n${tail(dashboardLog)}`);
  }
} catch (err) {
  console.error(`e2e: ${err instanceof Error ? err.message : err}`);
  console.error(`\n--- gateway log (last lines) ---\n${tail(gatewayLog)}`);
  console.error(`\n--- dashboard log (last lines) ---\n${tail(dashboardLog)}`);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
