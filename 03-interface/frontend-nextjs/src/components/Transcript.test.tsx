import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { parseFusionDocument, speakerColours } from "@/lib/transcript";
import { HAS_EVAL, NO_EVAL_REASON, readStm, sampleCallDocument } from "@/test/eval";
import { renderWithIntl } from "@/test/intl";
import { SpeakerTimeline } from "./SpeakerTimeline";
import { Transcript } from "./Transcript";

describe.skipIf(!HAS_EVAL)(`Transcript on the sample-call reference (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());
  const colours = speakerColours(doc);
  const stm = readStm();

  it("renders every utterance with its timestamp, speaker and words", () => {
    renderWithIntl(<Transcript doc={doc} active={-1} time={0} colours={colours} onSeek={() => {}} follow={false} />);
    const items = screen.getAllByRole("listitem");
    expect(items).toHaveLength(stm.length);
    expect(within(items[6]!).getByText("SPEAKER_00")).toBeInTheDocument();
    expect(items[6]).toHaveTextContent("This is Diane in New Jersey.");
    expect(within(items[6]!).getByRole("button", { name: /Play from 0:12, SPEAKER_00/ })).toBeInTheDocument();
    expect(within(items[7]!).getByText("SPEAKER_01")).toHaveStyle({ color: colours.get("SPEAKER_01") });
  });

  it("seeks to an utterance's start when it is clicked, and to a word's start when a word is", async () => {
    const onSeek = vi.fn();
    renderWithIntl(<Transcript doc={doc} active={-1} time={0} colours={colours} onSeek={onSeek} follow={false} />);
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
    renderWithIntl(<Transcript doc={doc} active={7} time={time} colours={colours} onSeek={() => {}} follow />);
    const items = screen.getAllByRole("listitem");
    expect(items[7]).toHaveAttribute("aria-current", "true");
    expect(items.filter((i) => i.getAttribute("aria-current") === "true")).toHaveLength(1);
    const active = items[7]!.querySelector('[data-active="true"]');
    const word = doc.segments[7]!.words.find((w) => w.start <= time && time < w.end)!;
    expect(active?.textContent).toBe(word.word);
  });

  it("groups consecutive utterances of one speaker into one turn, keeping each playable", () => {
    const onSeek = vi.fn();
    renderWithIntl(<Transcript doc={doc} active={-1} time={0} colours={colours} onSeek={onSeek} follow={false} />);
    const items = screen.getAllByRole("listitem");
    // The reference alternates Diane (D) and Sheila (S): D S D D S D D S D D S S D → 9 turns.
    const speakers = stm.map((l) => l.speaker);
    const turns = speakers.filter((s, i) => i === 0 || speakers[i - 1] !== s).length;
    expect(turns).toBe(9);
    expect(items.filter((li) => li.classList.contains("turn-start"))).toHaveLength(turns);
    expect(items.filter((li) => li.classList.contains("turn-end"))).toHaveLength(turns);
    // "Oh, hello." and "I didn't know you were there." are one turn of Diane's: the name is shown once.
    expect(items[2]).toHaveClass("turn-start");
    expect(items[2]).not.toHaveClass("turn-end");
    expect(items[3]).toHaveClass("continued", "turn-end");
    expect(items[3]!.querySelector(".speaker")).toHaveClass("visually-hidden");
    expect(items[2]!.querySelector(".speaker")).not.toHaveClass("visually-hidden");
    // Each utterance of the turn carries the speaker's colour for the turn's bar.
    expect(items[3]!.style.getPropertyValue("--turn-colour")).toBe(colours.get("SPEAKER_00"));
    // A word of the continued utterance still seeks to that word.
    const there = within(items[3]!).getByText((_, el) => el?.textContent === " there.");
    fireEvent.click(there);
    expect(onSeek).toHaveBeenLastCalledWith(doc.segments[3]!.words.find((w) => w.word === " there.")!.start);
  });

  it("draws a time axis under the lanes, every 5 s for the 30 s call", () => {
    renderWithIntl(<SpeakerTimeline doc={doc} duration={30} time={0} colours={colours} onSeek={() => {}} />);
    const axis = screen.getByTestId("time-axis");
    expect(axis).toHaveAttribute("aria-hidden", "true");
    const ticks = [...axis.querySelectorAll(".tick")];
    expect(ticks.map((t) => t.textContent)).toEqual(["0:00", "0:05", "0:10", "0:15", "0:20", "0:25", "0:30"]);
    expect(ticks[3]).toHaveStyle({ left: "50%" });
    expect(ticks.at(-1)).toHaveClass("last");
    // The axis is not a speaker lane.
    expect(screen.getByRole("group", { name: "Speaker timeline" }).querySelectorAll(".lane")).toHaveLength(2);
  });

  it("names the timeline and its bars in French", () => {
    renderWithIntl(<SpeakerTimeline doc={doc} duration={30} time={0} colours={colours} onSeek={() => {}} />, { locale: "fr" });
    expect(screen.getByRole("group", { name: "Chronologie des intervenants" })).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: /SPEAKER_00 parle de/ })[0]).toHaveAccessibleName("SPEAKER_00 parle de 0:06 à 0:07");
  });

  it("draws who spoke when and seeks from the timeline", () => {
    const onSeek = vi.fn();
    renderWithIntl(<SpeakerTimeline doc={doc} duration={30} time={15} colours={colours} onSeek={onSeek} />);
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
    renderWithIntl(<Transcript doc={doc} active={-1} time={0} colours={new Map()} onSeek={() => {}} follow={false} />);
    expect(screen.getByText(/No speech was found/)).toBeInTheDocument();
  });
});
