/**
 * Shared helpers of the end-to-end tests (started by e2e/run.mjs, which sets the E2E_*
 * environment): Chromium through playwright-core, a failed step's screenshot and HTML kept in
 * $E2E_ARTIFACTS, screenshots into $E2E_SCREENSHOTS, axe-core checks, and the steps most tests
 * begin with (sign up, upload the sample call and wait until it is COMPLETED).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

/** The servers and files e2e/run.mjs set up. */
export const ENV = {
  base: process.env.E2E_BASE_URL,
  gateway: process.env.E2E_GATEWAY_URL,
  sample: process.env.E2E_SAMPLE_WAV,
  katie: process.env.E2E_KATIE_WAV,
  screenshots: process.env.E2E_SCREENSHOTS,
  artifacts: process.env.E2E_ARTIFACTS,
};
if (!ENV.base || !ENV.gateway || !ENV.sample || !ENV.screenshots || !ENV.artifacts) {
  throw new Error("run the end-to-end tests with `npm run test:e2e` (e2e/run.mjs sets the servers up)");
}

/** Chromium flags that keep it offline, quiet and runnable as root in a container. */
export const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--mute-audio",
];

/** How long the embedded pipeline may take for the 30 s sample call (milliseconds). */
export const PROCESSING_TIMEOUT_MS = 300_000;

/**
 * Start Chromium with a fresh profile (British English, UTC, downloads accepted).
 *
 * @returns `{ context, page, close }`; `close()` stops the browser and removes the profile.
 */
export async function launchBrowser() {
  const profileDir = mkdtempSync(path.join(os.tmpdir(), "scribe-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.E2E_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    locale: "en-GB",
    timezoneId: "UTC",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (err) => console.error(`[browser] ${err.message}`));
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * A `step(name, fn)` runner: when `fn` fails, the page's screenshot and HTML are kept in
 * $E2E_ARTIFACTS (`<prefix><name>.png` / `.html`), then the error is rethrown.
 *
 * @param getPage Returns the page to capture (it may be created after the runner).
 * @param prefix Prefix of the artifact names (one per test file).
 */
export function stepper(getPage, prefix = "") {
  return async function step(name, fn) {
    try {
      await fn();
    } catch (err) {
      const page = getPage();
      mkdirSync(ENV.artifacts, { recursive: true });
      const stem = path.join(ENV.artifacts, `${prefix}${name.replace(/\W+/g, "-")}`);
      await page?.screenshot({ path: `${stem}.png`, fullPage: true }).catch(() => {});
      await page
        ?.content()
        .then((html) => writeFileSync(`${stem}.html`, html))
        .catch(() => {});
      throw err;
    }
  };
}

/** Save a screenshot of the page as $E2E_SCREENSHOTS/<name>.png. */
export async function screenshot(page, name, fullPage = true) {
  mkdirSync(ENV.screenshots, { recursive: true });
  await page.screenshot({ path: path.join(ENV.screenshots, `${name}.png`), fullPage });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Run axe-core (every rule it runs by default) on the page and assert no violation.
 *
 * @param page The page.
 * @param what Named in the failure message.
 */
export async function assertAccessible(page, what) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
  });
  assert.deepEqual(violations, [], `axe-core on ${what}`);
}

/** Create an account from the sign-up page; ends signed in on /meetings. */
export async function signUp(page, email, password) {
  await page.goto(`${ENV.base}/sign-up`);
  await page.getByRole("heading", { name: "Create your account" }).waitFor();
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByLabel("Repeat the password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${ENV.base}/meetings`);
}

/**
 * Upload the sample call from /meetings under `title` and wait until its row says COMPLETED.
 *
 * @param options `language` (default `en`) and `speakers` (an exact count, default 2).
 * @returns The meeting page's path (`/meetings/<id>`).
 */
export async function uploadSampleAndWait(page, title, { language = "en", speakers = 2 } = {}) {
  await page.locator('input[type="file"]').setInputFiles(ENV.sample);
  await page.getByLabel(/^Title/).fill(title);
  await page.getByLabel("Language").selectOption(language);
  await page.getByLabel("Speakers").selectOption("exact");
  await page.getByLabel("Number of speakers").fill(String(speakers));
  await page.getByRole("button", { name: "Upload and transcribe" }).click();
  const row = page.getByTestId("meeting-row").filter({ hasText: title });
  await row.waitFor();
  await row.locator('.badge[data-status="COMPLETED"], .badge[data-status="FAILED"]').waitFor({ timeout: PROCESSING_TIMEOUT_MS });
  if (await row.locator('.badge[data-status="FAILED"]').count()) {
    assert.fail(`processing failed: ${await row.locator(".failure-reason").textContent()}`);
  }
  return row.getByRole("link", { name: title }).getAttribute("href");
}
