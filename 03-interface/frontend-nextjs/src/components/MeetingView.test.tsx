import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { parseFusionDocument } from "@/lib/transcript";
import { HAS_EVAL, NO_EVAL_REASON, referenceNames, sampleCallDocument } from "@/test/eval";
import { MeetingView } from "./MeetingView";

describe.skipIf(!HAS_EVAL)(`MeetingView on the sample-call reference (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());
  const names = referenceNames();

  it("renames a speaker everywhere: speaker list, timeline and every utterance", async () => {
    const rename = vi.fn(async () => {});
    render(<MeetingView meetingId="m-1" fileStem="sample" document={doc} renameSpeaker={rename} />);
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

  it("keeps the old name and shows the gateway's message when renaming fails", async () => {
    const rename = vi.fn(async () => {
      throw new Error("name: String should have at most 255 characters");
    });
    render(<MeetingView meetingId="m-1" fileStem="sample" document={doc} renameSpeaker={rename} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
    await user.type(screen.getByRole("textbox", { name: "New name for SPEAKER_01" }), "x{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("at most 255 characters");
    expect(within(screen.getByRole("list", { name: "Transcript" })).getAllByText("SPEAKER_01").length).toBeGreaterThan(0);
  });

  it("refuses an empty name and cancels with Escape", async () => {
    const rename = vi.fn(async () => {});
    render(<MeetingView meetingId="m-1" fileStem="sample" document={doc} renameSpeaker={rename} />);
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
    const { container } = render(<MeetingView meetingId="m-1" fileStem="sample" document={doc} />);
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
    render(<MeetingView meetingId="m-1" fileStem="sample" document={doc} />);
    for (const [format, label] of [["json", "JSON"], ["srt", "SRT"], ["vtt", "VTT"], ["txt", "TXT"], ["rttm", "RTTM"]]) {
      const link = screen.getByRole("link", { name: `Download the transcript as ${label}` });
      expect(link).toHaveAttribute("href", `/gw/api/v1/meetings/m-1/transcript?format=${format}`);
      expect(link).toHaveAttribute("download", `sample.${format}`);
    }
  });
});
