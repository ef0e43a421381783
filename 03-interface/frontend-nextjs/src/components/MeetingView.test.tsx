import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api/errors";
import { parseFusionDocument } from "@/lib/transcript";
import { HAS_EVAL, NO_EVAL_REASON, referenceNames, sampleCallDocument } from "@/test/eval";
import { renderWithIntl } from "@/test/intl";
import { MeetingView } from "./MeetingView";

describe.skipIf(!HAS_EVAL)(`MeetingView on the sample-call reference (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());
  const names = referenceNames();

  it("renames a speaker everywhere: speaker list, timeline and every utterance", async () => {
    const rename = vi.fn(async () => {});
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} renameSpeaker={rename} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_00" }));
    const input = screen.getByRole("textbox", { name: "New name for SPEAKER_00" });
    await user.clear(input);
    await user.type(input, `${names.get("SPEAKER_00")}{Enter}`);
    expect(rename).toHaveBeenCalledWith("m-1", "SPEAKER_00", "Diane");
    const transcript = screen.getByRole("list", { name: "Transcript" });
    const shown = [...transcript.querySelectorAll(".utterance")].map((li) => [
      li.getAttribute("data-speaker-label"),
      li.querySelector(".speaker")?.textContent,
    ]);
    expect(shown).toHaveLength(doc.segments.length);
    for (const [label, name] of shown) expect(name).toBe(label === "SPEAKER_00" ? "Diane" : "SPEAKER_01");
    expect(screen.getByRole("group", { name: "Speaker timeline" })).toHaveTextContent("Diane");
    expect(within(screen.getByRole("list", { name: "Speakers" })).getByText("Diane")).toBeInTheDocument();
  });

  it("keeps the old name and explains a refusal in the user's words, not the gateway's", async () => {
    const rename = vi.fn(async () => {
      throw new ApiError("name: String should have at most 255 characters", 422, "invalid_request");
    });
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} renameSpeaker={rename} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
    await user.type(screen.getByRole("textbox", { name: "New name for SPEAKER_01" }), "x{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Some of the values sent were refused; check the form and try again.");
    expect(screen.queryByText(/String should have/)).toBeNull();
    expect(within(screen.getByRole("list", { name: "Transcript" })).getAllByText("SPEAKER_01").length).toBeGreaterThan(0);
  });

  it("refuses an empty name and cancels with Escape", async () => {
    const rename = vi.fn(async () => {});
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} renameSpeaker={rename} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
    const input = screen.getByRole("textbox", { name: "New name for SPEAKER_01" });
    await user.clear(input);
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Enter a name.");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("textbox", { name: "New name for SPEAKER_01" })).toBeNull();
    expect(rename).not.toHaveBeenCalled();
  });

  it("moves the audio to an utterance when it is clicked, and highlights it", () => {
    const { container } = renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} />);
    const audio = container.querySelector("audio")!;
    expect(audio.getAttribute("src")).toBe("/gw/api/v1/meetings/m-1/audio");
    const item = screen.getAllByRole("listitem").find((li) => li.textContent?.includes("originally from Chicago also"))!;
    fireEvent.click(item);
    expect(audio.currentTime).toBeCloseTo(17.789, 3);
    expect(item).toHaveAttribute("aria-current", "true");
    // The playback position drives the highlight too.
    audio.currentTime = 25;
    fireEvent.timeUpdate(audio);
    const playing = screen.getAllByRole("listitem").find((li) => li.getAttribute("aria-current") === "true");
    expect(playing).toHaveTextContent("they all call me a Yankee");
  });

  it("offers the five exports with file names", () => {
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} />);
    for (const [format, label] of [["json", "JSON"], ["srt", "SRT"], ["vtt", "VTT"], ["txt", "TXT"], ["rttm", "RTTM"]]) {
      const link = screen.getByRole("link", { name: `Download the transcript as ${label}` });
      expect(link).toHaveAttribute("href", `/gw/api/v1/meetings/m-1/transcript?format=${format}`);
      expect(link).toHaveAttribute("download", `sample.${format}`);
    }
  });

  describe("keyboard shortcuts", () => {
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
      return { audio, play, pause };
    }

    it("plays and pauses with Space and k, moves 5 s with j / l and the arrows", async () => {
      const { container } = renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} />);
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
      const scrolled = vi.fn();
      Element.prototype.scrollIntoView = scrolled;
      try {
        const { container } = renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} />);
        const { audio } = player(container);
        const user = userEvent.setup();
        await user.keyboard("n");
        expect(audio.currentTime).toBeCloseTo(doc.segments[0]!.start, 5);
        await user.keyboard("n");
        expect(audio.currentTime).toBeCloseTo(doc.segments[1]!.start, 5);
        const current = () => screen.getAllByRole("listitem").find((li) => li.getAttribute("aria-current") === "true");
        expect(current()).toHaveAttribute("data-index", "1");
        expect(scrolled.mock.contexts.at(-1)).toBe(current());
        await user.keyboard("p");
        expect(audio.currentTime).toBeCloseTo(doc.segments[0]!.start, 5);
        await user.keyboard("p"); // already at the first: stays
        expect(audio.currentTime).toBeCloseTo(doc.segments[0]!.start, 5);
        audio.currentTime = 29.5;
        await user.keyboard("n"); // after the last start: nothing to go to
        expect(audio.currentTime).toBe(29.5);
      } finally {
        // @ts-expect-error jsdom has no scrollIntoView; remove the stub again.
        delete Element.prototype.scrollIntoView;
      }
    });

    it("shows the list with ?, closes it with Escape, and ignores keys typed in the rename box", async () => {
      const rename = vi.fn(async () => {});
      const { container } = renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} renameSpeaker={rename} />);
      const { audio, play } = player(container);
      const user = userEvent.setup();
      await user.keyboard("?");
      const help = screen.getByRole("dialog", { name: "Keyboard shortcuts" });
      expect(help).toHaveTextContent("Next utterance");
      await user.keyboard("{Escape}");
      expect(screen.queryByRole("dialog", { name: "Keyboard shortcuts" })).toBeNull();
      await user.click(screen.getByRole("button", { name: "Keyboard shortcuts (?)" }));
      expect(screen.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
      await user.click(screen.getByRole("button", { name: "Close" }));

      await user.click(screen.getByRole("button", { name: "Rename SPEAKER_00" }));
      const input = screen.getByRole("textbox", { name: "New name for SPEAKER_00" });
      await user.clear(input);
      await user.type(input, "Jake Kline {Enter}");
      expect(rename).toHaveBeenCalledWith("m-1", "SPEAKER_00", "Jake Kline");
      expect(play).not.toHaveBeenCalled();
      expect(audio.currentTime).toBe(0);
      expect(screen.queryByRole("dialog")).toBeNull();
    });

    it("lists the shortcuts in French", async () => {
      renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} />, { locale: "fr" });
      await userEvent.setup().keyboard("?");
      const help = screen.getByRole("dialog", { name: "Raccourcis clavier" });
      expect(help).toHaveTextContent("Énoncé suivant");
      expect(help).toHaveTextContent("Espace");
    });
  });
});
