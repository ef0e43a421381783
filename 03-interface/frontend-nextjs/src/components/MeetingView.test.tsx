import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createGatewayClient } from "@/lib/api/client";
import { parseFusionDocument } from "@/lib/transcript";
import { createWorkspaceApi, type WorkspaceApi } from "@/lib/workspace";
import { HAS_EVAL, NO_EVAL_REASON, referenceNames, sampleCallDocument } from "@/test/eval";
import { type FakeGateway, meetingBody, startFakeGateway } from "@/test/fake-gateway";
import { renderWithIntl } from "@/test/intl";
import { MeetingView } from "./MeetingView";

const MEETING_ID = meetingBody().id;
const BASE = `/api/v1/meetings/${MEETING_ID}`;

/** The audio element, with play/pause recorded (jsdom does not play media). */
function player(container: HTMLElement) {
  const audio = container.querySelector("audio")!;
  let paused = true;
  Object.defineProperty(audio, "paused", { configurable: true, get: () => paused });
  const play = vi.fn(async () => {
    paused = false;
  });
  const pause = vi.fn(() => {
    paused = true;
  });
  audio.play = play;
  audio.pause = pause;
  Object.defineProperty(audio, "duration", { configurable: true, value: 30 });
  Object.defineProperty(audio, "readyState", { configurable: true, value: 1 });
  return { audio, play, pause };
}

/** Stubs `scrollIntoView` (jsdom has none) and returns the spy; `afterEach` removes it. */
function stubScrollIntoView() {
  const scrolled = vi.fn();
  Element.prototype.scrollIntoView = scrolled;
  return scrolled;
}

const utterances = () => screen.getAllByRole("listitem").filter((li) => li.classList.contains("utterance"));
const transcript = () => screen.getByRole("list", { name: /^(Transcript|Transcription)$/ });
const speakerRow = (label: string) => screen.getByRole("list", { name: /^(Speakers|Intervenants)$/ }).querySelector<HTMLElement>(`li[data-speaker-label="${label}"]`)!;

describe.skipIf(!HAS_EVAL)(`MeetingView on the sample-call reference (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());
  const names = referenceNames();
  let gw: FakeGateway;
  let api: WorkspaceApi;

  beforeEach(async () => {
    gw = await startFakeGateway(sampleCallDocument());
    api = createWorkspaceApi(() => createGatewayClient({ baseUrl: gw.url }));
  });
  afterEach(async () => {
    await gw.close();
    // @ts-expect-error jsdom has no scrollIntoView: remove the stub of stubScrollIntoView.
    delete Element.prototype.scrollIntoView;
  });

  const view = (props: Partial<Parameters<typeof MeetingView>[0]> = {}, locale: "en" | "fr" = "en") =>
    renderWithIntl(<MeetingView meetingId={MEETING_ID} fileStem="sample" document={doc} api={api} {...props} />, { locale });

  it("renames a speaker everywhere: speaker list, timeline and every utterance", async () => {
    const onMeetingChange = vi.fn();
    view({ onMeetingChange });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_00" }));
    const input = screen.getByRole("textbox", { name: "New name for SPEAKER_00" });
    await user.clear(input);
    await user.type(input, `${names.get("SPEAKER_00")}{Enter}`);
    await waitFor(() => expect(gw.requests.some((r) => r.method === "PATCH")).toBe(true));
    expect(gw.requests.find((r) => r.method === "PATCH")).toEqual({ method: "PATCH", url: `${BASE}/speakers/SPEAKER_00`, body: { name: "Diane" } });
    await waitFor(() => expect(onMeetingChange).toHaveBeenCalledWith(expect.objectContaining({ revision: 1 })));
    const shown = utterances().map((li) => [li.getAttribute("data-speaker-label"), li.querySelector(".speaker")?.textContent]);
    expect(shown).toHaveLength(doc.segments.length);
    for (const [label, name] of shown) expect(name).toBe(label === "SPEAKER_00" ? "Diane" : "SPEAKER_01");
    expect(screen.getByRole("group", { name: "Speaker timeline" })).toHaveTextContent("Diane");
    expect(within(screen.getByRole("list", { name: "Speakers" })).getByText("Diane")).toBeInTheDocument();
    // Then the page reloads the document the gateway now serves.
    await waitFor(() => expect(gw.requests.at(-1)).toMatchObject({ method: "GET", url: `${BASE}/transcript?format=json` }));
  });

  it("keeps the old name and explains a refusal in the user's words, not the gateway's", async () => {
    gw.failNext(/^PATCH .*\/speakers\//, 422, "invalid_request");
    view();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
    await user.type(screen.getByRole("textbox", { name: "New name for SPEAKER_01" }), "x{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Some of the values sent were refused; check the form and try again.");
    expect(screen.queryByText(/gateway wording/)).toBeNull();
    expect(within(transcript()).getAllByText("SPEAKER_01").length).toBeGreaterThan(0);
  });

  it("refuses an empty name and cancels with Escape", async () => {
    view();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
    const input = screen.getByRole("textbox", { name: "New name for SPEAKER_01" });
    await user.clear(input);
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Enter a name.");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("textbox", { name: "New name for SPEAKER_01" })).toBeNull();
    expect(gw.requests).toEqual([]);
  });

  it("moves the audio to an utterance when it is clicked, and highlights it", () => {
    const { container } = view();
    const audio = container.querySelector("audio")!;
    expect(audio.getAttribute("src")).toBe(`/gw${BASE}/audio`);
    const item = utterances().find((li) => li.textContent?.includes("originally from Chicago also"))!;
    fireEvent.click(item);
    expect(audio.currentTime).toBeCloseTo(17.789, 3);
    expect(item).toHaveAttribute("aria-current", "true");
    audio.currentTime = 25;
    fireEvent.timeUpdate(audio);
    const playing = utterances().find((li) => li.getAttribute("aria-current") === "true");
    expect(playing).toHaveTextContent("they all call me a Yankee");
  });

  it("offers the five exports with file names", () => {
    view();
    for (const [format, label] of [["json", "JSON"], ["srt", "SRT"], ["vtt", "VTT"], ["txt", "TXT"], ["rttm", "RTTM"]]) {
      const link = screen.getByRole("link", { name: `Download the transcript as ${label}` });
      expect(link).toHaveAttribute("href", `/gw${BASE}/transcript?format=${format}`);
      expect(link).toHaveAttribute("download", `sample.${format}`);
    }
  });

  describe("correcting an utterance", () => {
    it("edits the words with the Edit button, saves with Enter, then shows the gateway's words with their timings", async () => {
      const onMeetingChange = vi.fn();
      const { container } = view({ onMeetingChange });
      const { play } = player(container);
      const user = userEvent.setup();
      const target = utterances()[6]!; // "This is Diane in New Jersey."
      await user.click(within(target).getByRole("button", { name: "Edit the utterance at 0:12 (SPEAKER_00)" }));
      const box = screen.getByRole("textbox", { name: "Words of the utterance at 0:12" });
      expect(box).toHaveValue("This is Diane in New Jersey.");
      expect(box).toHaveFocus();
      await user.clear(box);
      await user.type(box, "This is Diane in Newark, New Jersey.");
      // Typing k, j, l or a space in the box neither plays nor seeks.
      expect(play).not.toHaveBeenCalled();
      await user.keyboard("{Enter}");
      await waitFor(() => expect(gw.requests.find((r) => r.method === "PATCH")).toBeDefined());
      expect(gw.requests.find((r) => r.method === "PATCH")).toEqual({
        method: "PATCH",
        url: `${BASE}/segments/6`,
        body: { text: "This is Diane in Newark, New Jersey." },
      });
      expect(screen.queryByRole("textbox", { name: /Words of the utterance/ })).toBeNull();
      expect(utterances()[6]).toHaveTextContent("This is Diane in Newark, New Jersey.");
      expect(onMeetingChange).toHaveBeenCalledWith(expect.objectContaining({ revision: 1, edited_at: "2026-11-24T09:30:00Z" }));
      // The reloaded document has words again (clickable, with times).
      await waitFor(() => expect(utterances()[6]!.querySelectorAll(".word")).toHaveLength(7));
      expect(within(utterances()[6]!).getByText("Newark,")).toHaveAttribute("data-start");
    });

    it("opens on a double-click, gives the utterance to another speaker, and counts the turns again", async () => {
      view();
      const user = userEvent.setup();
      const target = utterances()[3]!; // "I didn't know you were there." (Diane at 0:08, end of her turn)
      await user.dblClick(target.querySelector(".words")!);
      const form = screen.getByRole("form", { name: "Correct the utterance at 0:08" });
      await user.selectOptions(within(form).getByLabelText("Speaker"), "SPEAKER_01");
      await user.click(within(form).getByRole("button", { name: "Save" }));
      await waitFor(() => expect(gw.requests.find((r) => r.method === "PATCH")).toEqual({ method: "PATCH", url: `${BASE}/segments/3`, body: { speaker: "SPEAKER_01" } }));
      await waitFor(() => expect(utterances()[3]).toHaveAttribute("data-speaker-label", "SPEAKER_01"));
      // Sheila speaks next: utterance 3 now opens her turn.
      expect(utterances()[3]).toHaveClass("turn-start");
      expect(utterances()[4]).toHaveClass("continued");
      expect(utterances()[2]).toHaveClass("turn-end");
    });

    it("cancels with Escape and sends nothing; saving an unchanged text sends nothing either", async () => {
      view();
      const user = userEvent.setup();
      await user.click(within(utterances()[0]!).getByRole("button", { name: /^Edit the utterance/ }));
      await user.type(screen.getByRole("textbox", { name: /Words of the utterance/ }), " more{Escape}");
      expect(screen.queryByRole("textbox", { name: /Words of the utterance/ })).toBeNull();
      expect(utterances()[0]).not.toHaveTextContent("more");
      await user.click(within(utterances()[0]!).getByRole("button", { name: /^Edit the utterance/ }));
      await user.keyboard("{Enter}");
      expect(screen.queryByRole("textbox", { name: /Words of the utterance/ })).toBeNull();
      expect(gw.requests).toEqual([]);
    });

    it("refuses an empty text, and shows the gateway's refusal as a sentence in French", async () => {
      gw.failNext(/^PATCH .*\/segments\/1$/, 400, "invalid_text");
      view({}, "fr");
      const user = userEvent.setup();
      await user.click(within(utterances()[1]!).getByRole("button", { name: /^Modifier l’énoncé à 0:0\d/ }));
      const box = screen.getByRole("textbox", { name: /^Mots de l’énoncé/ });
      await user.clear(box);
      await user.keyboard("{Enter}");
      expect(screen.getByRole("alert")).toHaveTextContent("Saisissez les mots de l’énoncé.");
      await user.type(box, "bip");
      await user.keyboard("{Enter}");
      await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(/^Le texte doit tenir sur une ligne/));
      expect(screen.getByRole("textbox", { name: /^Mots de l’énoncé/ })).toBeInTheDocument(); // still open
    });

    it("does not run the page's shortcuts while an utterance is being edited", async () => {
      const { container } = view();
      const { audio, play } = player(container);
      const user = userEvent.setup();
      await user.click(within(utterances()[2]!).getByRole("button", { name: /^Edit the utterance/ }));
      // Focus on the Save button: Space, k, l would otherwise play or seek.
      screen.getByRole("button", { name: "Save" }).focus();
      const before = audio.currentTime;
      await user.keyboard("kln");
      expect(play).not.toHaveBeenCalled();
      expect(audio.currentTime).toBe(before);
      await user.click(screen.getByRole("button", { name: "Cancel" }));
      await user.keyboard("k");
      expect(play).toHaveBeenCalledTimes(1);
    });
  });

  describe("speaker actions", () => {
    it("merges a speaker into another: every utterance is theirs and the merged speaker is gone", async () => {
      view();
      const user = userEvent.setup();
      await user.click(screen.getByRole("button", { name: "Merge SPEAKER_01 into another speaker" }));
      const form = screen.getByRole("form", { name: "Merge SPEAKER_01 into another speaker" });
      expect(within(form).getByRole("combobox", { name: "Speaker to merge SPEAKER_01 into" })).toHaveValue("SPEAKER_00");
      await user.click(within(form).getByRole("button", { name: "Merge" }));
      await waitFor(() =>
        expect(gw.requests.find((r) => r.method === "POST")).toEqual({ method: "POST", url: `${BASE}/speakers/merge`, body: { from: ["SPEAKER_01"], into: "SPEAKER_00" } }),
      );
      await waitFor(() => expect(screen.getByRole("list", { name: "Speakers" }).querySelectorAll("li")).toHaveLength(1));
      expect(new Set(utterances().map((li) => li.getAttribute("data-speaker-label")))).toEqual(new Set(["SPEAKER_00"]));
      expect(screen.getByRole("group", { name: "Speaker timeline" }).querySelectorAll(".lane")).toHaveLength(1);
    });

    it("restores a speaker's label after a rename", async () => {
      view();
      const user = userEvent.setup();
      await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
      const input = screen.getByRole("textbox", { name: "New name for SPEAKER_01" });
      await user.clear(input);
      await user.type(input, "Sheila{Enter}");
      await user.click(await screen.findByRole("button", { name: "Restore label: show SPEAKER_01 instead of Sheila" }));
      await waitFor(() => expect(gw.requests.filter((r) => r.method === "PATCH").map((r) => r.body)).toEqual([{ name: "Sheila" }, { name: null }]));
      await waitFor(() => expect(within(speakerRow("SPEAKER_01")).queryByText("Sheila")).toBeNull());
      expect(utterances().filter((li) => li.getAttribute("data-speaker-label") === "SPEAKER_01").every((li) => li.querySelector(".speaker")?.textContent === "SPEAKER_01")).toBe(true);
    });

    it("says a name from the voice bank is not this person", async () => {
      const named = sampleCallDocument();
      named.speakers = named.speakers.map((s) => (s.label === "SPEAKER_00" ? { ...s, name: "Katie", similarity: 0.74, match: "confident" as const } : s));
      named.segments = named.segments.map((s) => (s.speaker_label === "SPEAKER_00" ? { ...s, speaker: "Katie" } : s));
      await gw.close();
      gw = await startFakeGateway(named);
      api = createWorkspaceApi(() => createGatewayClient({ baseUrl: gw.url }));
      view({ document: parseFusionDocument(named) });
      const user = userEvent.setup();
      expect(speakerRow("SPEAKER_00")).toHaveTextContent("voice bank match");
      expect(within(speakerRow("SPEAKER_01")).queryByRole("button", { name: /^Not this person/ })).toBeNull();
      await user.click(within(speakerRow("SPEAKER_00")).getByRole("button", { name: "Not this person: remove the name Katie that the voice bank gave" }));
      await waitFor(() => expect(gw.requests.find((r) => r.method === "POST")).toEqual({ method: "POST", url: `${BASE}/speakers/SPEAKER_00/reject`, body: undefined }));
      await waitFor(() => expect(speakerRow("SPEAKER_00")).not.toHaveTextContent("Katie"));
      expect(speakerRow("SPEAKER_00")).not.toHaveTextContent("voice bank match");
      expect(within(transcript()).queryAllByText("Katie")).toHaveLength(0);
    });

    it("enrols a speaker in the voice bank and links to it; without a voice bank there is no such action", async () => {
      const { unmount } = view({ voiceBank: false });
      expect(screen.queryByRole("button", { name: /in the voice bank$/ })).toBeNull();
      unmount();
      const onMeetingChange = vi.fn();
      view({ voiceBank: true, onMeetingChange });
      const user = userEvent.setup();
      await user.click(screen.getByRole("button", { name: "Enrol SPEAKER_01 in the voice bank" }));
      const input = screen.getByRole("textbox", { name: "Name of SPEAKER_01 in the voice bank" });
      expect(input).toHaveValue("");
      await user.type(input, "Sheila{Enter}");
      await waitFor(() => expect(gw.requests.find((r) => r.method === "POST")).toEqual({ method: "POST", url: `${BASE}/speakers/SPEAKER_01/enroll`, body: { name: "Sheila" } }));
      const row = speakerRow("SPEAKER_01");
      expect(await within(row).findByRole("status")).toHaveTextContent("Sheila is in the voice bank now");
      expect(within(row).getByRole("link", { name: "Open the voice bank" })).toHaveAttribute("href", "/speakers");
      expect(within(transcript()).getAllByText("Sheila").length).toBeGreaterThan(0);
      // The enrolment renamed the speaker: the page takes the meeting's new revision.
      expect(onMeetingChange).toHaveBeenCalledWith(expect.objectContaining({ revision: 1 }));
    });

    it("explains in French that a speaker without a stored voiceprint cannot be enrolled from the meeting", async () => {
      gw.failNext(/\/enroll$/, 409, "conflict");
      view({ voiceBank: true }, "fr");
      const user = userEvent.setup();
      await user.click(screen.getByRole("button", { name: "Inscrire SPEAKER_00 dans la banque de voix" }));
      await user.type(screen.getByRole("textbox", { name: "Nom de SPEAKER_00 dans la banque de voix" }), "Diane{Enter}");
      expect(await within(speakerRow("SPEAKER_00")).findByRole("alert")).toHaveTextContent(/^Cette réunion n’a pas gardé d’empreinte vocale de cet intervenant/);
    });
  });

  describe("find in the transcript", () => {
    it("focuses with /, counts the matches, jumps with Enter and Shift+Enter, seeking to each utterance", async () => {
      const scrolled = stubScrollIntoView();
      const { container } = view();
      const { audio } = player(container);
      const user = userEvent.setup();
      await user.keyboard("/");
      const box = screen.getByRole("searchbox", { name: "Find in the transcript" });
      expect(box).toHaveFocus();
      expect(box).toHaveValue(""); // the slash is not typed
      await user.type(box, "i'm");
      // "And I'm Sheila…", "I'm originally from…", "I'm doing…": case-insensitive.
      const hits = doc.segments.flatMap((u, i) => (u.text.toLowerCase().split("i'm").length - 1 > 0 ? [i] : []));
      const total = doc.segments.reduce((n, u) => n + u.text.toLowerCase().split("i'm").length - 1, 0);
      expect(total).toBeGreaterThan(1);
      expect(screen.getByTestId("find-count")).toHaveTextContent(`${total} matches`);
      expect(transcript().querySelectorAll("mark.find-match")).toHaveLength(total);
      await user.keyboard("{Enter}");
      expect(screen.getByTestId("find-count")).toHaveTextContent(`1 of ${total}`);
      expect(audio.currentTime).toBeCloseTo(doc.segments[hits[0]!]!.start, 5);
      const current = transcript().querySelector("mark.current")!;
      expect(current.textContent?.toLowerCase()).toBe("i'm");
      expect(current.closest("li")).toHaveAttribute("data-index", String(hits[0]));
      expect(scrolled.mock.contexts.at(-1)).toBe(current.closest("li"));
      await user.keyboard("{Enter}");
      expect(screen.getByTestId("find-count")).toHaveTextContent(`2 of ${total}`);
      await user.keyboard("{Shift>}{Enter}{Enter}{/Shift}");
      expect(screen.getByTestId("find-count")).toHaveTextContent(`${total} of ${total}`); // wrapped around
      expect(audio.currentTime).toBeCloseTo(doc.segments[hits.at(-1)!]!.start, 5);
      await user.keyboard("{Escape}");
      expect(box).toHaveValue("");
      expect(transcript().querySelectorAll("mark")).toHaveLength(0);
    });

    it("counts again from the first match when an edit removed the one last gone to", async () => {
      stubScrollIntoView();
      view();
      const user = userEvent.setup();
      const box = screen.getByRole("searchbox", { name: "Find in the transcript" });
      await user.type(box, "i'm");
      const hits = doc.segments.flatMap((u, i) => (u.text.toLowerCase().includes("i'm") ? [i] : []));
      const total = doc.segments.reduce((n, u) => n + u.text.toLowerCase().split("i'm").length - 1, 0);
      const last = hits.at(-1)!;
      expect(doc.segments[last]!.text.toLowerCase().split("i'm")).toHaveLength(2); // one match there
      await user.keyboard("{Shift>}{Enter}{/Shift}");
      expect(screen.getByTestId("find-count")).toHaveTextContent(`${total} of ${total}`);
      await user.click(within(utterances()[last]!).getByRole("button", { name: /^Edit the utterance/ }));
      const words = screen.getByRole("textbox", { name: /Words of the utterance/ });
      await user.clear(words);
      await user.type(words, "Something else entirely.{Enter}");
      await waitFor(() => expect(screen.getByTestId("find-count")).toHaveTextContent(`${total - 1} matches`));
    });

    it("ignores accents and says when nothing matches, in French", async () => {
      view({}, "fr");
      const user = userEvent.setup();
      const box = screen.getByRole("searchbox", { name: "Rechercher dans la transcription" });
      await user.type(box, "YÁNKEE");
      expect(screen.getByTestId("find-count")).toHaveTextContent("1 résultat");
      expect(transcript().querySelector("mark")?.textContent).toBe("Yankee");
      await user.clear(box);
      await user.type(box, "zanzibar");
      expect(screen.getByTestId("find-count")).toHaveTextContent("Aucun résultat");
      expect(screen.getByRole("button", { name: "Résultat suivant" })).toBeDisabled();
    });
  });

  it("opens at the utterance of a search link: scrolled to, marked, and played from its time", () => {
    const scrolled = stubScrollIntoView();
    const { container } = view({ focus: { time: 14.5, segment: 7 } });
    const audio = container.querySelector("audio")!;
    const linked = utterances().find((li) => li.getAttribute("data-linked") === "true")!;
    expect(linked).toHaveAttribute("data-segment", "7");
    expect(linked).toHaveTextContent("And I'm Sheila in Texas");
    expect(linked).toHaveClass("linked");
    expect(scrolled.mock.contexts.at(-1)).toBe(linked);
    expect(audio.currentTime).toBeCloseTo(14.5, 5);
  });

  it("opens at an utterance given by its index alone, at its start", () => {
    const { container } = view({ focus: { segment: 10 } });
    expect(container.querySelector("audio")!.currentTime).toBeCloseTo(doc.segments[10]!.start, 5);
    expect(utterances()[10]).toHaveAttribute("data-linked", "true");
  });

  describe("keyboard shortcuts", () => {
    it("plays and pauses with Space and k, moves 5 s with j / l and the arrows", async () => {
      const { container } = view();
      const { audio, play, pause } = player(container);
      const user = userEvent.setup();
      await user.keyboard("k");
      expect(play).toHaveBeenCalledTimes(1);
      await user.keyboard(" ");
      expect(pause).toHaveBeenCalledTimes(1);
      audio.currentTime = 12;
      await user.keyboard("l");
      expect(audio.currentTime).toBeCloseTo(17, 5);
      await user.keyboard("{ArrowRight}");
      expect(audio.currentTime).toBeCloseTo(22, 5);
      await user.keyboard("j{ArrowLeft}");
      expect(audio.currentTime).toBeCloseTo(12, 5);
      await user.keyboard("jjj");
      expect(audio.currentTime).toBe(0); // never before the start
      audio.currentTime = 28;
      await user.keyboard("l");
      expect(audio.currentTime).toBe(30); // nor past the end
    });

    it("goes to the next and previous utterance with n / p, highlighted and scrolled into view", async () => {
      const scrolled = stubScrollIntoView();
      const { container } = view();
      const { audio } = player(container);
      const user = userEvent.setup();
      await user.keyboard("n");
      expect(audio.currentTime).toBeCloseTo(doc.segments[0]!.start, 5);
      await user.keyboard("n");
      expect(audio.currentTime).toBeCloseTo(doc.segments[1]!.start, 5);
      const current = () => utterances().find((li) => li.getAttribute("aria-current") === "true");
      expect(current()).toHaveAttribute("data-index", "1");
      expect(scrolled.mock.contexts.at(-1)).toBe(current());
      await user.keyboard("p");
      expect(audio.currentTime).toBeCloseTo(doc.segments[0]!.start, 5);
      await user.keyboard("p"); // already at the first: stays
      expect(audio.currentTime).toBeCloseTo(doc.segments[0]!.start, 5);
      audio.currentTime = 29.5;
      await user.keyboard("n"); // after the last start: nothing to go to
      expect(audio.currentTime).toBe(29.5);
    });

    it("shows the list with ?, closes it with Escape, and ignores keys typed in the rename box", async () => {
      const { container } = view();
      const { audio, play } = player(container);
      const user = userEvent.setup();
      await user.keyboard("?");
      const help = screen.getByRole("dialog", { name: "Keyboard shortcuts" });
      expect(help).toHaveTextContent("Next utterance");
      expect(help).toHaveTextContent("Find in the transcript");
      await user.keyboard("{Escape}");
      expect(screen.queryByRole("dialog", { name: "Keyboard shortcuts" })).toBeNull();
      await user.click(screen.getByRole("button", { name: "Keyboard shortcuts (?)" }));
      expect(screen.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
      await user.click(screen.getByRole("button", { name: "Close" }));

      await user.click(screen.getByRole("button", { name: "Rename SPEAKER_00" }));
      const input = screen.getByRole("textbox", { name: "New name for SPEAKER_00" });
      await user.clear(input);
      await user.type(input, "Jake Kline {Enter}");
      await waitFor(() => expect(gw.requests.find((r) => r.method === "PATCH")?.body).toEqual({ name: "Jake Kline" }));
      expect(play).not.toHaveBeenCalled();
      expect(audio.currentTime).toBe(0);
      expect(screen.queryByRole("dialog")).toBeNull();
    });

    it("lists the shortcuts in French", async () => {
      view({}, "fr");
      await userEvent.setup().keyboard("?");
      const help = screen.getByRole("dialog", { name: "Raccourcis clavier" });
      expect(help).toHaveTextContent("Énoncé suivant");
      expect(help).toHaveTextContent("Espace");
      expect(help).toHaveTextContent("Rechercher dans la transcription");
    });
  });
});
