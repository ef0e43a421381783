/**
 * The dashboard as a person uses it, in Debian's Chromium driven by playwright-core, against
 * the production build and the real gateway in its embedded default (started by e2e/run.mjs):
 * sign up, upload sample-call/sample.wav, follow the upload and the processing stages, read
 * the transcript of both speakers, seek the audio from an utterance, rename a speaker and see
 * it everywhere (and after a reload), download the SRT, enrol Katie in the voice bank from
 * katie-steve/enrollment_audio_katie.wav, see her READY, remove her, sign out. Screenshots of
 * the list, meeting and voice bank pages go to $E2E_SCREENSHOTS (e2e/.artifacts/screenshots/ unless
 * set; `E2E_SCREENSHOTS=../../docs/screenshots npm run test:e2e` refreshes the README's images).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ENV, launchBrowser, PROCESSING_TIMEOUT_MS, stepper } from "./support.mjs";

const BASE = ENV.base;
const GATEWAY = ENV.gateway;
const SAMPLE = ENV.sample;
const KATIE = ENV.katie;
const SCREENSHOTS = ENV.screenshots;
const ENROLMENT_TIMEOUT_MS = 120_000;
const EXPECTED_WORDS = ["chicago", "jersey"]; // said in sample-call (see sample.stm)
const NEW_NAME = "Diane Lopez";

let browser;
let context;
let page;
const email = `e2e-${Date.now()}@example.com`;
const password = "correct horse battery";

before(async () => {
  browser = await launchBrowser();
  ({ context, page } = browser);
});

after(async () => {
  await browser?.close();
});

/** Keep a screenshot and the HTML of the page when a step fails, then rethrow. */
const step = stepper(() => page);

test("a visitor is sent to sign in", async () => {
  await step("signed-out", async () => {
    await page.goto(`${BASE}/meetings`);
    assert.match(new URL(page.url()).pathname, /^\/sign-in$/);
    assert.equal(new URL(page.url()).searchParams.get("next"), "/meetings");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
  });
});

test("sign up, upload the sample call, follow it to COMPLETED, read, listen, rename, download, sign out", { timeout: PROCESSING_TIMEOUT_MS + ENROLMENT_TIMEOUT_MS + 120_000 }, async () => {
  await step("sign-up", async () => {
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByRole("heading", { name: "Create your account" }).waitFor();
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByLabel("Repeat the password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${BASE}/meetings`);
    assert.equal(await page.getByTestId("user-email").textContent(), email);
    const cookies = await context.cookies(BASE);
    const session = cookies.find((c) => c.name === "scribe_session");
    assert.ok(session, "the session cookie is set");
    assert.equal(session.httpOnly, true, "the token is out of reach of page scripts");
    assert.equal(await page.evaluate(() => document.cookie.includes("scribe_session")), false);
  });

  await step("voice-bank-feature-detection", async () => {
    const token = (await context.cookies(BASE)).find((c) => c.name === "scribe_session").value;
    const res = await fetch(`${GATEWAY}/api/v1/speakers`, { headers: { Authorization: `Bearer ${token}` } });
    const link = page.getByRole("link", { name: "Voice bank" });
    assert.equal(await link.count(), res.ok ? 1 : 0, `voice bank link shown iff GET /api/v1/speakers answers 2xx (got ${res.status})`);
  });

  const wavBytes = statSync(SAMPLE).size;
  await step("upload", async () => {
    await page.locator('input[type="file"]').setInputFiles(SAMPLE);
    await page.getByText("sample.wav").waitFor();
    await page.getByLabel(/^Title/).fill("Sample call");
    await page.getByLabel("Language").selectOption("en");
    await page.getByLabel("Speakers").selectOption("exact");
    await page.getByLabel("Number of speakers").fill("2");
    // Record every state of the upload bar as it happens.
    await page.evaluate(() => {
      window.__uploadStates = [];
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="upload-progress"] [role="progressbar"]');
        if (bar) window.__uploadStates.push(bar.getAttribute("aria-valuenow"));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole("button", { name: "Upload and transcribe" }).click();
    await page.getByText("“Sample call” is uploaded; processing has started.").waitFor();
    const bar = page.getByTestId("upload-progress").getByRole("progressbar", { name: "Upload progress" });
    assert.equal(await bar.getAttribute("aria-valuenow"), "100");
    const caption = await page.getByTestId("upload-progress").textContent();
    const sizes = caption.match(/(\d+(?:\.\d)?) (KB|MB) of (\d+(?:\.\d)?) (KB|MB)/);
    assert.ok(sizes, `bytes sent of total: ${caption}`);
    assert.equal(`${sizes[1]} ${sizes[2]}`, `${sizes[3]} ${sizes[4]}`, "all bytes sent");
    const totalBytes = Number(sizes[3]) * (sizes[4] === "MB" ? 1e6 : 1e3);
    assert.ok(totalBytes >= wavBytes * 0.999, `the whole file went out (${caption}, file ${wavBytes} B)`);
    assert.match(caption, /100 %/);
    const states = await page.evaluate(() => window.__uploadStates);
    assert.ok(states.length > 0, "the progress bar was shown during the upload");
  });

  let meetingHref;
  await step("processing", async () => {
    const row = page.getByTestId("meeting-row").filter({ hasText: "Sample call" });
    await row.waitFor();
    meetingHref = await row.getByRole("link", { name: "Sample call" }).getAttribute("href");
    // Watch the row's stage and progress until the badge says Completed.
    await page.evaluate(() => {
      window.__stages = [];
      const record = () => {
        for (const el of document.querySelectorAll("[data-stage]")) {
          const entry = `${el.getAttribute("data-stage")}@${el.getAttribute("data-progress")}`;
          if (window.__stages.at(-1) !== entry) window.__stages.push(entry);
        }
      };
      record();
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await row.locator('.badge[data-status="COMPLETED"], .badge[data-status="FAILED"]').waitFor({ timeout: PROCESSING_TIMEOUT_MS });
    if (await row.locator('.badge[data-status="FAILED"]').count()) {
      assert.fail(`processing failed: ${await row.locator(".failure-reason").textContent()}`);
    }
    const stages = await page.evaluate(() => window.__stages);
    console.log(`  stages seen: ${stages.join(" → ")}`);
    // Stages the worker reports: download, convert, diarize, identify, transcribe, fuse, upload.
    const pipeline = stages.map((s) => s.split("@")).filter(([stage]) => stage !== "");
    assert.ok(pipeline.length > 0, `a stage was shown with its progress bar while processing (saw ${stages.join(", ") || "nothing"})`);
    for (const [, progress] of pipeline) assert.ok(Number(progress) >= 0 && Number(progress) <= 1);
    const progresses = stages.map((s) => Number(s.split("@")[1]));
    assert.deepEqual(progresses, [...progresses].sort((a, b) => a - b), "progress never goes backwards");
    assert.equal(await row.getByRole("progressbar").count(), 0, "no progress bar once completed");
    await page.waitForFunction(() => !document.querySelector("[data-stage]"));
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, "meetings.png"), fullPage: true });
  });

  let labels;
  await step("meeting-page", async () => {
    await page.getByRole("link", { name: "Sample call" }).click();
    await page.waitForURL(`${BASE}${meetingHref}`);
    const transcript = page.getByRole("list", { name: "Transcript" });
    await transcript.waitFor();
    const utterances = await transcript.locator("li.utterance").evaluateAll((items) =>
      items.map((li) => ({
        label: li.getAttribute("data-speaker-label"),
        speaker: li.querySelector(".speaker")?.textContent,
        start: Number(li.getAttribute("data-start")),
        text: li.querySelector(".words")?.textContent ?? "",
      })),
    );
    labels = [...new Set(utterances.map((u) => u.label))];
    assert.ok(labels.length >= 2, `utterances of both speakers (labels: ${labels.join(", ")})`);
    for (const label of labels.slice(0, 2)) assert.ok(utterances.some((u) => u.label === label && u.text.trim()));
    const text = utterances.map((u) => u.text).join(" ").toLowerCase();
    for (const word of EXPECTED_WORDS) assert.ok(text.includes(word), `the transcript says “${word}”: ${text}`);
    const lanes = await page.getByRole("group", { name: "Speaker timeline" }).locator(".lane").count();
    assert.equal(lanes, labels.length, "one timeline lane per speaker");
  });

  await step("seek", async () => {
    const audio = page.locator("audio");
    await page.waitForFunction(() => {
      const a = document.querySelector("audio");
      return a && a.readyState >= 1 && Number.isFinite(a.duration);
    });
    const duration = await audio.evaluate((a) => a.duration);
    assert.ok(Math.abs(duration - 30) < 1, `the player has the whole recording (${duration} s)`);
    const items = page.getByRole("list", { name: "Transcript" }).locator("li.utterance");
    const count = await items.count();
    const target = items.nth(Math.min(count - 1, Math.floor(count / 2)));
    const start = Number(await target.getAttribute("data-start"));
    assert.ok(start > 1, "the chosen utterance is not at the beginning");
    await target.locator(".words").click({ position: { x: 2, y: 2 } });
    await page.waitForFunction((s) => Math.abs(document.querySelector("audio").currentTime - s) < 0.6, start);
    const current = await audio.evaluate((a) => a.currentTime);
    assert.ok(Math.abs(current - start) < 0.6, `audio moved to ${start} s (at ${current} s)`);
    assert.equal(await target.getAttribute("aria-current"), "true", "the clicked utterance is highlighted");
    // Keyboard: the timestamp button of the first utterance seeks back.
    const first = items.first();
    const firstStart = Number(await first.getAttribute("data-start"));
    await first.getByRole("button", { name: /^Play from/ }).focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((s) => Math.abs(document.querySelector("audio").currentTime - s) < 0.6, firstStart);
  });

  await step("follow-playback", async () => {
    // Play (muted, so no user gesture is needed) from just before the last utterance: it must
    // become the highlighted one and be scrolled into the transcript's view.
    const list = page.getByRole("list", { name: "Transcript" });
    const last = list.locator("li.utterance").last();
    const lastStart = Number(await last.getAttribute("data-start"));
    await list.evaluate((el) => el.scrollTo({ top: 0 }));
    await page.evaluate(async (t) => {
      const a = document.querySelector("audio");
      a.muted = true;
      a.currentTime = Math.max(0, t - 0.3);
      await a.play();
    }, lastStart);
    // The list scrolls smoothly: wait until the highlighted last utterance is inside it.
    const followed = await page
      .waitForFunction(
        () => {
          const list = document.querySelector('[aria-label="Transcript"]');
          const item = list?.querySelector("li.utterance:last-child");
          if (!list || item?.getAttribute("aria-current") !== "true") return false;
          const a = item.getBoundingClientRect();
          const box = list.getBoundingClientRect();
          return a.top >= box.top - 1 && a.bottom <= box.bottom + 1;
        },
        null,
        { timeout: 15_000 },
      )
      .then(() => true, () => false);
    await page.evaluate(() => document.querySelector("audio").pause());
    const inView = await list.evaluate((el) => ({ overflows: el.scrollHeight > el.clientHeight, scrollTop: el.scrollTop }));
    assert.ok(followed, "the utterance being played is highlighted and kept in view");
    if (inView.overflows) assert.ok(inView.scrollTop > 0, "the transcript scrolled to it");
  });

  await step("rename", async () => {
    const label = labels[0];
    await page.getByRole("button", { name: `Rename ${label}` }).click();
    const input = page.getByRole("textbox", { name: `New name for ${label}` });
    await input.fill(NEW_NAME);
    await input.press("Enter");
    await page.getByRole("list", { name: "Speakers" }).getByText(NEW_NAME).waitFor();
    const check = async () => {
      const shown = await page
        .getByRole("list", { name: "Transcript" })
        .locator("li.utterance")
        .evaluateAll((items) => items.map((li) => [li.getAttribute("data-speaker-label"), li.querySelector(".speaker")?.textContent]));
      for (const [l, name] of shown) {
        if (l === label) assert.equal(name, NEW_NAME);
        else assert.notEqual(name, NEW_NAME);
      }
      assert.match(await page.getByRole("group", { name: "Speaker timeline" }).textContent(), new RegExp(NEW_NAME));
    };
    await check();
    await page.reload();
    await page.getByRole("list", { name: "Transcript" }).waitFor();
    await check(); // stored by the gateway, not only in this page
  });

  await step("download-srt", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the transcript as SRT" }).click()]);
    assert.match(download.suggestedFilename(), /\.srt$/);
    const srt = readFileSync(await download.path(), "utf8");
    assert.match(srt, /^1\r?\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}/, "an SRT cue");
    assert.ok(srt.includes(NEW_NAME), "the SRT carries the new speaker name");
    for (const word of EXPECTED_WORDS) assert.ok(srt.toLowerCase().includes(word), `the SRT says “${word}”`);
  });

  await step("download-minutes", async () => {
    for (const [label, ext, magic] of [["DOCX", "docx", "PK"], ["PDF", "pdf", "%PDF-"], ["Markdown", "md", "# "]]) {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: `Download the minutes as ${label}` }).click(),
      ]);
      assert.match(download.suggestedFilename(), new RegExp(`\\.${ext}$`));
      const body = readFileSync(await download.path());
      assert.equal(body.subarray(0, magic.length).toString("latin1"), magic, `a ${label} file`);
      if (ext === "md") assert.ok(body.toString("utf8").includes(NEW_NAME), "the minutes name the renamed speaker");
    }
  });

  await step("api-keys", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.waitForURL(`${BASE}/settings/api-keys`);
    await page.getByLabel("Name", { exact: true }).fill("n8n on the NAS");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByLabel("API key", { exact: true });
    await shown.waitFor();
    const key = await shown.inputValue();
    assert.match(key, /^sms_live_/, "the new key is shown once");
    const row = page.getByTestId("api-key-row").filter({ hasText: "n8n on the NAS" });
    await row.waitFor();
    assert.ok(!(await row.textContent()).includes(key), "the list shows only the prefix");
    const listed = await fetch(`${GATEWAY}/api/v1/meetings`, { headers: { "X-API-Key": key } });
    assert.equal(listed.status, 200, "the key works against the gateway");
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, "api-keys.png"), fullPage: true });
    await page.getByRole("button", { name: "Revoke n8n on the NAS" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke “n8n on the NAS”?" });
    await dialog.getByRole("button", { name: "Revoke for good" }).click();
    await page.getByText(/is revoked/).waitFor();
    const refused = await fetch(`${GATEWAY}/api/v1/meetings`, { headers: { "X-API-Key": key } });
    assert.equal(refused.status, 401, "a revoked key is refused at once");
    await page.goto(`${BASE}${meetingHref}`);
    await page.getByRole("list", { name: "Transcript" }).waitFor();
  });

  await step("screenshots", async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const items = page.getByRole("list", { name: "Transcript" }).locator("li.utterance");
    await items.nth(2).click(); // a highlighted utterance in the picture
    await page.screenshot({ path: path.join(SCREENSHOTS, "meeting.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "meeting-phone.png"), fullPage: false });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling on a phone (${overflow} px)`);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await step("voice-bank", async () => {
    if (!KATIE || !existsSync(KATIE)) {
      console.log(`# voice bank flow skipped: ${KATIE ?? "E2E_KATIE_WAV"} not found`);
      return;
    }
    await page.getByRole("link", { name: "Voice bank" }).click();
    await page.waitForURL(`${BASE}/speakers`);
    await page.getByRole("heading", { name: "Voice bank", level: 1 }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Katie");
    await page.getByLabel("Recording of their voice").setInputFiles(KATIE);
    await page.getByRole("button", { name: "Enrol", exact: true }).click();
    const people = page.getByRole("list", { name: "Enrolled people" });
    const row = people.getByTestId("person-row").filter({ hasText: "Katie" });
    await row.waitFor();
    // PENDING (shown as processing) until the worker has embedded the recording, then READY.
    await row.locator('.badge[data-status="READY"], .badge[data-status="FAILED"]').waitFor({ timeout: ENROLMENT_TIMEOUT_MS });
    assert.equal(await row.getAttribute("data-status"), "READY", `Katie is enrolled: ${await row.textContent()}`);
    assert.match(await row.locator(".speaker-meta").first().textContent(), /^1 sample · since /);
    assert.equal(await row.getByText("Ready", { exact: true }).count(), 1);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, "voice-bank.png"), fullPage: true });
    // Stored by the gateway, not only in this page.
    await page.reload();
    await people.getByTestId("person-row").filter({ hasText: "Katie" }).locator('.badge[data-status="READY"]').waitFor();

    // Remove her, from the keyboard, after the confirmation (Cancel first: nothing happens).
    await page.getByRole("button", { name: "Remove Katie" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Remove Katie?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await people.getByTestId("person-row").filter({ hasText: "Katie" }).count(), 1);
    await page.getByRole("button", { name: "Remove Katie" }).click();
    await dialog.getByRole("button", { name: "Remove for good" }).focus();
    await page.keyboard.press("Enter");
    await page.getByText("Katie was removed from the voice bank.").waitFor();
    await page.getByText(/Nobody is enrolled yet/).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Enrolled people (0)" }).waitFor();
    assert.equal(await page.getByTestId("person-row").count(), 0, "Katie is gone after a reload");
  });

  await step("sign-out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in\?signed_out=1/);
    assert.equal((await context.cookies(BASE)).some((c) => c.name === "scribe_session"), false);
    await page.goto(`${BASE}${meetingHref}`);
    assert.equal(new URL(page.url()).pathname, "/sign-in");
    const proxied = await page.evaluate(async (href) => (await fetch(`/gw/api/v1/meetings/${href.split("/").pop()}`)).status, meetingHref);
    assert.equal(proxied, 401, "the API refuses the signed-out browser");
  });
});
