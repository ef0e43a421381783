/**
 * Transcript search as a person uses it, in Debian's Chromium driven by playwright-core, against
 * the production build and the real gateway in its embedded default (SQLite FTS5, started by
 * e2e/run.mjs): sign up, upload sample-call/sample.wav and wait until it is COMPLETED, press `/`
 * and search for a word of its transcript from the header's box, see the highlighted hits, the
 * same search without JavaScript, in dark mode, on a phone and in French, the empty and the
 * no-result states, then open a hit and land on the meeting page with that utterance in view
 * and marked. axe-core finds no violation on /search (light and dark, every state).
 * Screenshots go to $E2E_SCREENSHOTS (search*.png), a failed step's page to $E2E_ARTIFACTS.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { assertAccessible as axeCheck, ENV, FLAGS, launchBrowser, PROCESSING_TIMEOUT_MS, screenshot as save, signUp, stepper, uploadSampleAndWait } from "./support.mjs";

const BASE = ENV.base;
/** Said twice in sample-call (see sample.stm: "originally from Chicago"). */
const WORD = "Chicago";
const TITLE = "Search sample";

let session;
let context;
let page;
const email = `e2e-search-${Date.now()}@example.com`;
const password = "correct horse battery";

before(async () => {
  session = await launchBrowser();
  ({ context, page } = session);
});

after(async () => {
  await session?.close();
});

const step = stepper(() => page, "search-");
const screenshot = (name, fullPage = true) => save(page, name, fullPage);
const assertAccessible = (what) => axeCheck(page, what);

/** Whether the page is wider than its viewport (horizontal scrolling). */
async function overflow() {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Press `/` until the (hydrated) page moves the focus into the header's search box. */
async function focusHeaderSearch(box) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await page.keyboard.press("/");
    if (await box.evaluate((el) => el === document.activeElement)) return;
    await page.waitForTimeout(250);
  }
  assert.fail("/ did not focus the header's search box");
}

test("search the transcripts from the header, read the hits, open one at its utterance", { timeout: PROCESSING_TIMEOUT_MS + 180_000 }, async () => {
  await step("sign-up", async () => {
    await signUp(page, email, password);
  });

  await step("upload-and-process", async () => {
    await uploadSampleAndWait(page, TITLE);
  });

  const hits = page.getByTestId("search-hit");
  await step("header-search", async () => {
    const box = page.getByRole("search", { name: "Search your meetings" }).getByRole("searchbox");
    assert.equal(await box.getAttribute("maxlength"), "200");
    await focusHeaderSearch(box);
    await screenshot("search-header", false);
    await page.keyboard.type(WORD);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${BASE}/search?q=${WORD}`);
    await page.getByRole("heading", { level: 1, name: "Search" }).waitFor();
    const count = await page.locator("#search-count").textContent();
    assert.match(count, new RegExp(`^\\d+ match(es)? for “${WORD}”$`));
    await hits.first().waitFor();
    assert.ok((await hits.count()) >= 1, "the sample call says Chicago");
    const group = page.getByTestId("search-group").filter({ hasText: TITLE });
    assert.equal(await group.count(), 1, "the hits are grouped under the meeting's title");
    for (const hit of await hits.all()) {
      const marks = await hit.locator("mark").allTextContents();
      assert.ok(marks.some((m) => m.toLowerCase() === WORD.toLowerCase()), `the matched word is highlighted: ${marks.join(", ")}`);
      assert.match(await hit.locator(".time").textContent(), /^\d+:\d\d$/);
      assert.ok((await hit.locator(".speaker").textContent()).trim(), "the hit names its speaker");
      assert.match(await hit.getByRole("link").getAttribute("href"), /^\/meetings\/[0-9a-f-]{36}\?t=\d+(\.\d+)?&segment=\d+$/);
    }
    // The header's box is left out here: the page's own form holds the query.
    assert.equal(await page.getByRole("search", { name: "Search your meetings" }).count(), 0);
    assert.equal(await page.getByRole("searchbox", { name: "Words to find" }).inputValue(), WORD);
    await screenshot("search");
    await assertAccessible("the results (light)");
  });

  await step("without-javascript", async () => {
    const browser = await chromium.launch({ executablePath: process.env.E2E_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: FLAGS });
    try {
      const noScript = await browser.newContext({ javaScriptEnabled: false, locale: "en-GB" });
      await noScript.addCookies(await context.cookies(BASE));
      const plain = await noScript.newPage();
      await plain.goto(`${BASE}/meetings`);
      await plain.getByRole("searchbox", { name: "Search your meetings" }).fill(WORD.toLowerCase());
      await plain.getByRole("searchbox", { name: "Search your meetings" }).press("Enter");
      await plain.waitForURL(`${BASE}/search?q=${WORD.toLowerCase()}`);
      await plain.getByTestId("search-hit").first().waitFor();
      assert.equal(await plain.getByTestId("search-hit").count(), await hits.count(), "the same hits, case aside");
    } finally {
      await browser.close();
    }
  });

  await step("dark", async () => {
    await page.getByLabel("Theme").selectOption("dark");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await screenshot("search-dark");
    await assertAccessible("the results (dark)");
  });

  await step("no-results-and-empty", async () => {
    await page.getByRole("searchbox", { name: "Words to find" }).fill("zeppelin");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(`${BASE}/search?q=zeppelin`);
    await page.getByText("Nothing in your completed meetings matches “zeppelin”.").waitFor();
    await page.getByRole("heading", { name: "How to search" }).waitFor();
    await assertAccessible("no results (dark)");
    await page.getByLabel("Theme").selectOption("light");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    await assertAccessible("no results (light)");
    await page.goto(`${BASE}/search`);
    await page.getByTestId("search-empty").waitFor();
    assert.ok(await page.getByRole("searchbox", { name: "Words to find" }).evaluate((el) => el === document.activeElement), "the empty page's field has the focus");
    await screenshot("search-empty");
    await assertAccessible("the empty search page");
  });

  await step("phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/meetings`);
    const box = page.getByRole("searchbox", { name: "Search your meetings" });
    await box.waitFor();
    const rect = await box.boundingBox();
    assert.ok(rect && rect.x >= 0 && rect.x + rect.width <= 390 && rect.width >= 200, `the box fits the phone's width: ${JSON.stringify(rect)}`);
    assert.ok((await overflow()) <= 1, "no horizontal scrolling with the box in the header");
    await screenshot("search-header-phone", false);
    await box.fill(WORD);
    await box.press("Enter");
    await page.waitForURL(`${BASE}/search?q=${WORD}`);
    await hits.first().waitFor();
    assert.ok((await overflow()) <= 1, `no horizontal scrolling on a phone (${await overflow()} px)`);
    await screenshot("search-phone", false);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await step("french", async () => {
    await page.getByRole("button", { name: "Français" }).click();
    await page.getByRole("heading", { level: 1, name: "Recherche" }).waitFor();
    assert.match(await page.locator("#search-count").textContent(), new RegExp(`^\\d+ résultats? pour «\u00a0${WORD}\u00a0»$`));
    assert.equal(await page.getByRole("searchbox", { name: "Mots à chercher" }).inputValue(), WORD);
    await assertAccessible("the results in French");
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { level: 1, name: "Search" }).waitFor();
  });

  await step("open-hit", async () => {
    const link = hits.first().getByRole("link");
    const href = await link.getAttribute("href");
    const target = new URL(href, BASE);
    const segment = target.searchParams.get("segment");
    const t = Number(target.searchParams.get("t"));
    await link.click();
    await page.waitForURL((url) => url.pathname === target.pathname && url.search === target.search);
    assert.match(target.pathname, /^\/meetings\/[0-9a-f-]{36}$/);
    const utterance = page.getByRole("list", { name: "Transcript" }).locator(`li.utterance[data-segment="${segment}"]`);
    await utterance.waitFor();
    assert.match(await utterance.textContent(), new RegExp(WORD, "i"), "the linked utterance says the word");
    assert.ok(Math.abs(Number(await utterance.getAttribute("data-start")) - t) < 0.01, "t is the utterance's start");
    // Marked, inside the transcript's visible box, and (at least three quarters of it) in the window.
    await page.waitForFunction(
      (seg) => {
        const li = document.querySelector(`li.utterance[data-segment="${seg}"]`);
        const list = document.querySelector('[aria-label="Transcript"]');
        if (!li || !list || (li.getAttribute("data-linked") !== "true" && li.getAttribute("aria-current") !== "true")) return false;
        const a = li.getBoundingClientRect();
        const box = list.getBoundingClientRect();
        const inList = a.top >= box.top - 1 && a.bottom <= box.bottom + 1;
        const shown = Math.min(a.bottom, window.innerHeight) - Math.max(a.top, 0);
        return inList && shown >= 0.75 * a.height;
      },
      segment,
      { timeout: 15_000 },
    );
    await screenshot("search-opened", false);
  });
});
