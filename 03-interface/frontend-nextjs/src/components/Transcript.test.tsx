import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { parseFusionDocument, speakerColours } from "@/lib/transcript";
import { HAS_EVAL, NO_EVAL_REASON, readStm, sampleCallDocument } from "@/test/eval";
import { SpeakerTimeline } from "./SpeakerTimeline";
import { Transcript } from "./Transcript";

describe.skipIf(!HAS_EVAL)(`Transcript on the sample-call reference (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());
  const colours = speakerColours(doc);
  const stm = readStm();

  it("renders every utterance with its timestamp, speaker and words", () => {
    render(<Transcript doc={doc} active={-1} time={0} colours={colours} onSeek={() => {}} follow={false} />);
    const items = screen.getAllByRole("listitem");
    expect(items).toHaveLength(stm.length);
    expect(within(items[6]!).getByText("SPEAKER_00")).toBeInTheDocument();
    expect(items[6]).toHaveTextContent("This is Diane in New Jersey.");
    expect(within(items[6]!).getByRole("button", { name: /Play from 0:12, SPEAKER_00/ })).toBeInTheDocument();
    expect(within(items[7]!).getByText("SPEAKER_01")).toHaveStyle({ color: colours.get("SPEAKER_01") });
  });

  it("seeks to an utterance's start when it is clicked, and to a word's start when a word is", async () => {
    const onSeek = vi.fn();
    render(<Transcript doc={doc} active={-1} time={0} colours={colours} onSeek={onSeek} follow={false} />);
    const item = screen.getAllByRole("listitem")[7]!; // Sheila, 14.444 s
    fireEvent.click(item);
    expect(onSeek).toHaveBeenLastCalledWith(14.444);
    const texas = within(item).getByText((_, el) => el?.textContent === " Texas,");
    fireEvent.click(texas);
    expect(onSeek).toHaveBeenCalledTimes(2);
    expect(onSeek.mock.lastCall?.[0]).toBe(doc.segments[7]!.words.find((w) => w.word === " Texas,")!.start);
    // Keyboard: the timestamp is a button.
    const button = within(item).getByRole("button");
    button.focus();
    await userEvent.keyboard("{Enter}");
    expect(onSeek).toHaveBeenLastCalledWith(14.444);
  });

  it("marks the utterance being played and the word being spoken", () => {
    const time = 15.0; // inside "And I'm Sheila in Texas, ..."
    render(<Transcript doc={doc} active={7} time={time} colours={colours} onSeek={() => {}} follow />);
    const items = screen.getAllByRole("listitem");
    expect(items[7]).toHaveAttribute("aria-current", "true");
    expect(items.filter((i) => i.getAttribute("aria-current") === "true")).toHaveLength(1);
    const active = items[7]!.querySelector('[data-active="true"]');
    const word = doc.segments[7]!.words.find((w) => w.start <= time && time < w.end)!;
    expect(active?.textContent).toBe(word.word);
  });

  it("draws who spoke when and seeks from the timeline", () => {
    const onSeek = vi.fn();
    render(<SpeakerTimeline doc={doc} duration={30} time={15} colours={colours} onSeek={onSeek} />);
    const bars = screen.getAllByRole("button", { name: /SPEAKER_00 speaks from/ });
    expect(bars[0]).toHaveAccessibleName("SPEAKER_00 speaks from 0:06 to 0:07");
    expect(bars[0]).toHaveStyle({ left: `${(6.68 / 30) * 100}%` });
    fireEvent.click(bars[0]!);
    expect(onSeek).toHaveBeenCalledWith(6.68);
    expect(screen.getAllByRole("button", { name: /SPEAKER_01 speaks from/ }).length).toBeGreaterThan(0);
  });
});

describe("Transcript without speech", () => {
  it("says so", () => {
    const doc = parseFusionDocument({ segments: [], speakers: [], language: "en", duration: 3 });
    render(<Transcript doc={doc} active={-1} time={0} colours={new Map()} onSeek={() => {}} follow={false} />);
    expect(screen.getByText(/No speech was found/)).toBeInTheDocument();
  });
});
