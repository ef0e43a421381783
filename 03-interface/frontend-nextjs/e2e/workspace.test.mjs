/**
 * The meeting workspace as a person uses it, in Debian's Chromium driven by playwright-core,
 * against the production build and the real gateway in its embedded default (started by
 * e2e/run.mjs): sign up, upload sample-call/sample.wav and wait until it is COMPLETED; on the
 * meeting page correct a word of an utterance, give another utterance to the other speaker,
 * find the corrected word with the find box, open the page from a `?t=&segment=` link, change
 * the title, merge the two speakers, download the minutes as DOCX and PDF and read the
 * correction in them (python-docx, pypdf), re-process the recording (language detected) and
 * follow it until it is COMPLETED again, then read the page in French. axe-core finds no
 * violation on the meeting page, in the light and the dark theme. A screenshot per step goes
 * to $E2E_SCREENSHOTS (workspace-*.png), a failed step's page to $E2E_ARTIFACTS.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { assertAccessible, ENV, launchBrowser, PROCESSING_TIMEOUT_MS, screenshot, signUp, stepper, uploadSampleAndWait } from "./support.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository's Python (python-docx and pypdf are installed there). */
const PYTHON = [process.env.E2E_PYTHON, path.resolve(here, "../../../.venv/bin/python")].find((p) => p && existsSync(p)) ?? "python3";
const TITLE = "Workspace call";
const NEW_TITLE = "Workspace call, corrected";
/** Said in sample-call ("originally from Chicago"); the correction replaces it. */
const WORD = /chicago/i;
const CORRECTION = "Milwaukee";

let browser;
let page;
const step = stepper(() => page, "workspace-");
const email = `e2e-workspace-${Date.now()}@example.com`;
const password = "correct horse battery";

before(async () => {
  browser = await launchBrowser();
  ({ page } = browser);
});

after(async () => {
  await browser?.close();
});

const transcript = () => page.getByRole("list", { name: "Transcript" });
const utterances = () => transcript().locator("li.utterance");

/** The utterances as shown: index, gateway index, label, start (s) and words. */
function readUtterances() {
  return utterances().evaluateAll((items) =>
    items.map((li) => ({
      index: Number(li.getAttribute("data-index")),
      segment: Number(li.getAttribute("data-segment")),
      label: li.getAttribute("data-speaker-label"),
      start: Number(li.getAttribute("data-start")),
      text: li.querySelector(".words")?.textContent ?? "",
    })),
  );
}

/** Wait until the audio element's position is within 0.6 s of `seconds`. */
async function audioAt(seconds) {
  await page.waitForFunction((s) => Math.abs(document.querySelector("audio").currentTime - s) < 0.6, seconds);
}

/** Press `/` until the (hydrated) page moves the focus into the transcript's find box. */
async function focusFind(box) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await page.keyboard.press("/");
    if (await box.evaluate((el) => el === document.activeElement)) return;
    await page.waitForTimeout(250);
  }
  assert.fail("/ did not focus the transcript's find box");
}

/** The text of a downloaded DOCX (paragraphs and table cells) or PDF, read with Python. */
function documentText(file, kind) {
  const script =
    kind === "docx"
      ? "import sys, docx\nd = docx.Document(sys.argv[1])\nprint('\\n'.join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]))"
      : "import sys, pypdf\nprint('\\n'.join(p.extract_text() or '' for p in pypdf.PdfReader(sys.argv[1]).pages))";
  return execFileSync(PYTHON, ["-c", script, file], { encoding: "utf8" });
}

test("correct, reassign, find, merge, download, re-process and read a meeting in French", { timeout: 2 * PROCESSING_TIMEOUT_MS + 300_000 }, async () => {
  let href;
  await step("sign-up-and-upload", async () => {
    await signUp(page, email, password);
    href = await uploadSampleAndWait(page, TITLE);
    assert.match(href, /^\/meetings\/[0-9a-f-]{36}$/);
  });

  await step("meeting-page", async () => {
    await page.goto(`${ENV.base}${href}`);
    await transcript().waitFor();
    await page.getByRole("heading", { level: 1, name: TITLE }).waitFor();
    assert.equal(await page.getByTestId("edited-badge").count(), 0, "a new meeting is not edited");
    await screenshot(page, "workspace-meeting");
  });

  await step("accessibility", async () => {
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      await assertAccessible(page, `the meeting page (${scheme})`);
      await screenshot(page, `workspace-${scheme}`, false);
    }
    // With an utterance being corrected and a speaker form open, too.
    await utterances().first().getByRole("button", { name: /^Edit the utterance/ }).click();
    await page.getByRole("button", { name: /^Merge .* into another speaker$/ }).first().click();
    for (const scheme of ["dark", "light"]) {
      await page.emulateMedia({ colorScheme: scheme });
      await assertAccessible(page, `the meeting page while editing (${scheme})`);
    }
    await page.getByRole("textbox", { name: /^Words of the utterance/ }).press("Escape");
    await page.getByRole("form", { name: /into another speaker$/ }).getByRole("button", { name: "Cancel" }).click();
  });

  let corrected;
  await step("edit-a-word", async () => {
    const before = await readUtterances();
    corrected = before.find((u) => WORD.test(u.text));
    assert.ok(corrected, `an utterance says Chicago: ${before.map((u) => u.text).join(" | ")}`);
    const item = utterances().nth(corrected.index);
    await item.getByRole("button", { name: /^Edit the utterance/ }).click();
    const box = page.getByRole("textbox", { name: /^Words of the utterance/ });
    await box.waitFor();
    const text = await box.inputValue();
    // Typed (not filled): the page's shortcuts (k plays, l skips) must not fire in the box.
    await box.fill("");
    await box.pressSequentially(text.replace(WORD, CORRECTION), { delay: 5 });
    await box.press("Enter");
    await box.waitFor({ state: "detached" });
    await page.waitForFunction(
      ([i, word]) => document.querySelector(`li.utterance[data-index="${i}"] .words`)?.textContent.includes(word),
      [corrected.index, CORRECTION],
    );
    assert.equal(await page.evaluate(() => document.querySelector("audio").paused), true, "typing did not play the audio");
    await page.getByTestId("edited-badge").waitFor();
    assert.match(await page.locator(".meeting-facts").textContent(), /Edited\s+last edit \d+ \w+ \d{4}, \d\d:\d\d/);
    await screenshot(page, "workspace-edited");
  });

  let labels;
  await step("reassign", async () => {
    const shown = await readUtterances();
    labels = [...new Set(shown.map((u) => u.label))];
    assert.ok(labels.length >= 2, `two speakers (labels: ${labels.join(", ")})`);
    const moved = shown.find((u) => u.index !== corrected.index);
    const to = labels.find((l) => l !== moved.label);
    await utterances().nth(moved.index).locator(".words").dblclick();
    const form = page.getByRole("form", { name: /^Correct the utterance at/ });
    await form.getByLabel("Speaker").selectOption(to);
    await form.getByRole("button", { name: "Save" }).click();
    await form.waitFor({ state: "detached" });
    await page.waitForFunction(([i, label]) => document.querySelector(`li.utterance[data-index="${i}"]`)?.getAttribute("data-speaker-label") === label, [moved.index, to]);
    assert.equal(await page.getByTestId("edited-badge").getAttribute("data-revision"), "2");
    await screenshot(page, "workspace-reassigned");
  });

  await step("find", async () => {
    const box = page.getByRole("searchbox", { name: "Find in the transcript" });
    await focusFind(box);
    await box.fill(CORRECTION.toLowerCase());
    const count = page.getByTestId("find-count");
    await page.waitForFunction(() => document.querySelector('[data-testid="find-count"]')?.textContent === "1 match");
    assert.equal(await transcript().locator("mark.find-match").count(), 1);
    await box.press("Enter");
    assert.equal(await count.textContent(), "1 of 1");
    const current = transcript().locator("mark.find-match.current");
    assert.equal((await current.textContent()).toLowerCase(), CORRECTION.toLowerCase());
    await audioAt(corrected.start);
    await screenshot(page, "workspace-find", false);
    await box.press("Escape");
    assert.equal(await transcript().locator("mark").count(), 0);
  });

  await step("search-link", async () => {
    const shown = await readUtterances();
    const target = shown[Math.floor(shown.length / 2)];
    await page.goto(`${ENV.base}${href}?t=${target.start}&segment=${target.segment}`);
    const linked = transcript().locator('li.utterance[data-linked="true"]');
    await linked.waitFor();
    assert.equal(Number(await linked.getAttribute("data-segment")), target.segment);
    await page.waitForFunction(() => (document.querySelector("audio")?.readyState ?? 0) >= 1);
    await audioAt(target.start);
    const inView = await linked.evaluate((li) => {
      const list = li.closest("ol").getBoundingClientRect();
      const box = li.getBoundingClientRect();
      return box.bottom > list.top && box.top < list.bottom && box.top < window.innerHeight;
    });
    assert.ok(inView, "the linked utterance is scrolled into view");
    await screenshot(page, "workspace-link", false);
  });

  await step("title", async () => {
    await page.getByRole("button", { name: "Edit the title" }).click();
    const input = page.getByRole("textbox", { name: "Title of the meeting" });
    await input.fill(NEW_TITLE);
    await input.press("Enter");
    await page.getByRole("heading", { level: 1, name: NEW_TITLE }).waitFor();
  });

  await step("merge", async () => {
    const [into, from] = labels;
    await page.getByRole("button", { name: `Merge ${from} into another speaker` }).click();
    const form = page.getByRole("form", { name: `Merge ${from} into another speaker` });
    await form.getByRole("combobox").selectOption(into);
    await form.getByRole("button", { name: "Merge" }).click();
    const speakers = page.getByRole("list", { name: "Speakers" });
    await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Speakers"] > li').length === 1);
    assert.equal(await speakers.locator(`li[data-speaker-label="${into}"]`).count(), 1);
    const shown = await readUtterances();
    assert.deepEqual([...new Set(shown.map((u) => u.label))], [into], "every utterance is the merged speaker's");
    assert.equal(await page.getByRole("group", { name: "Speaker timeline" }).locator(".lane").count(), 1);
    // Stored by the gateway: the same after a reload.
    await page.reload();
    await transcript().waitFor();
    assert.deepEqual([...new Set((await readUtterances()).map((u) => u.label))], [into]);
    assert.ok((await transcript().textContent()).includes(CORRECTION), "the correction survives a reload");
    await screenshot(page, "workspace-merged");
  });

  await step("download-minutes", async () => {
    for (const [label, ext] of [["DOCX", "docx"], ["PDF", "pdf"]]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: `Download the minutes as ${label}` }).click()]);
      // Named after the new title (the gateway's Content-Disposition, else the link's file name).
      assert.match(download.suggestedFilename(), new RegExp(`^Workspace[ _]call,?[ _]corrected\\.${ext}$`));
      const text = documentText(await download.path(), ext);
      assert.ok(text.includes(CORRECTION), `the ${label} minutes carry the correction: ${text.slice(0, 400)}`);
      assert.ok(text.includes(NEW_TITLE), `the ${label} minutes carry the new title`);
    }
  });

  await step("re-process", async () => {
    await page.getByRole("button", { name: "Re-process" }).click();
    const dialog = page.getByRole("dialog", { name: "Re-process the recording" });
    await dialog.getByText("your edits will be lost").waitFor();
    await dialog.getByLabel("Language", { exact: true }).selectOption("auto");
    await dialog.getByLabel("Speakers", { exact: true }).selectOption("auto");
    await screenshot(page, "workspace-reprocess-dialog", false);
    // The progress follows the task's event stream: one connection, not one per event.
    const streams = [];
    const onRequest = (request) => {
      if (/\/gw\/api\/v1\/status\/[^/]+\/events$/.test(new URL(request.url()).pathname)) streams.push(request.url());
    };
    page.on("request", onRequest);
    await dialog.getByRole("button", { name: "Re-process" }).click();
    await page.getByRole("region", { name: "Processing status" }).waitFor();
    await screenshot(page, "workspace-reprocessing", false);
    // The progress panel until COMPLETED, then the page shows the new result.
    await transcript().waitFor({ timeout: PROCESSING_TIMEOUT_MS });
    page.off("request", onRequest);
    assert.ok(streams.length >= 1 && streams.length <= 3, `the status stream was opened ${streams.length} times`);
    assert.equal(await page.getByTestId("edited-badge").count(), 0, "the new result has no edits");
    const text = (await transcript().textContent()).toLowerCase();
    assert.ok(text.includes("chicago") && !text.includes(CORRECTION.toLowerCase()), "the machine result replaced the corrections");
    await page.getByRole("heading", { level: 1, name: NEW_TITLE }).waitFor(); // the title is kept
    await screenshot(page, "workspace-reprocessed");
  });

  await step("french", async () => {
    await page.getByRole("button", { name: "Français" }).click();
    await page.getByRole("button", { name: "Retraiter" }).waitFor();
    await page.getByRole("searchbox", { name: "Rechercher dans la transcription" }).waitFor();
    await page.getByRole("button", { name: "Modifier le titre" }).waitFor();
    await page.getByRole("list", { name: "Intervenants" }).getByRole("button", { name: /^Renommer / }).first().waitFor();
    assert.ok((await utterances().first().getByRole("button", { name: /^Modifier l’énoncé à / }).count()) === 1);
    await page.getByRole("heading", { name: "Transcription", level: 2 }).waitFor();
    await assertAccessible(page, "the meeting page in French");
    await screenshot(page, "workspace-fr");
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("button", { name: "Re-process" }).waitFor();
  });
});
