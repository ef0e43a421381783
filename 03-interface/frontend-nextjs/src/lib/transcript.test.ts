import { describe, expect, it } from "vitest";
import { HAS_EVAL, NO_EVAL_REASON, readStm, referenceNames, sampleCallDocument } from "@/test/eval";
import {
  activeSegmentIndex,
  displayName,
  matchNote,
  parseFusionDocument,
  renameInDocument,
  speakerColours,
  speakerLabels,
  timelineLanes,
} from "./transcript";

describe("parseFusionDocument", () => {
  it("rejects a body that is not a fusion document", () => {
    expect(() => parseFusionDocument({ segments: "nope" })).toThrow();
    expect(() => parseFusionDocument([{ start: 0 }])).toThrow();
  });

  it("sorts utterances and fills speaker_label from speaker", () => {
    const doc = parseFusionDocument({
      segments: [
        { start: 5, end: 6, text: "b", speaker: "SPEAKER_01", words: [] },
        { start: 1, end: 2, text: "a", speaker: "SPEAKER_00" },
      ],
      speakers: [],
      language: "en",
      duration: 6,
    });
    expect(doc.segments.map((s) => s.text)).toEqual(["a", "b"]);
    expect(doc.segments.map((s) => s.speaker_label)).toEqual(["SPEAKER_00", "SPEAKER_01"]);
    expect(doc.segments[0]?.words).toEqual([]);
  });
});

describe.skipIf(!HAS_EVAL)(`sample-call reference transcript (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());
  const stm = readStm();

  it("finds the utterance being played at every utterance's midpoint", () => {
    doc.segments.forEach((u, i) => {
      expect(activeSegmentIndex(doc.segments, (u.start + u.end) / 2)).toBe(i);
    });
  });

  it("finds no utterance before the first one nor after the last one", () => {
    expect(activeSegmentIndex(doc.segments, 0)).toBe(-1);
    expect(activeSegmentIndex(doc.segments, (stm[0]?.start ?? 1) - 0.01)).toBe(-1);
    expect(activeSegmentIndex(doc.segments, 29.99)).toBe(-1);
  });

  it("finds no utterance in a silence between two utterances", () => {
    // Sheila's "Hello?" ends at 8.155 s and Diane's "Oh, hello." starts at 8.436 s.
    expect(activeSegmentIndex(doc.segments, 8.3)).toBe(-1);
  });

  it("builds one timeline lane per speaker, inside the recording, bars in time order", () => {
    const lanes = timelineLanes(doc, 30);
    expect(lanes.map((l) => l.label)).toEqual(["SPEAKER_00", "SPEAKER_01"]);
    for (const lane of lanes) {
      const spoken = doc.segments.filter((s) => s.speaker_label === lane.label).reduce((n, s) => n + s.end - s.start, 0);
      expect(lane.speech).toBeGreaterThanOrEqual(spoken - 1e-9);
      lane.bars.forEach((bar, i) => {
        expect(bar.left).toBeGreaterThanOrEqual(0);
        expect(bar.left + bar.width).toBeLessThanOrEqual(100.0001);
        if (i > 0) expect(bar.start).toBeGreaterThan(lane.bars[i - 1]!.end);
      });
    }
    // Diane's "Hello?" starts at 6.68 s of 30 s.
    expect(lanes[0]?.bars[0]?.left).toBeCloseTo((6.68 / 30) * 100, 5);
  });

  it("renames one speaker everywhere and leaves the other alone", () => {
    const names = referenceNames();
    const renamed = renameInDocument(doc, "SPEAKER_00", `  ${names.get("SPEAKER_00")}  `);
    expect(displayName(renamed, "SPEAKER_00")).toBe("Diane");
    expect(renamed.segments.filter((s) => s.speaker_label === "SPEAKER_00").every((s) => s.speaker === "Diane")).toBe(true);
    expect(renamed.segments.filter((s) => s.speaker_label === "SPEAKER_01").every((s) => s.speaker === "SPEAKER_01")).toBe(true);
    const restored = renameInDocument(renamed, "SPEAKER_00", "");
    expect(restored.segments.every((s) => s.speaker === s.speaker_label)).toBe(true);
  });

  it("gives each speaker a distinct colour", () => {
    const colours = speakerColours(doc);
    expect(speakerLabels(doc)).toHaveLength(2);
    expect(new Set(colours.values()).size).toBe(2);
  });
});

describe("matchNote", () => {
  const doc = parseFusionDocument({
    segments: [
      { start: 0, end: 1, text: "a", speaker: "Katie", speaker_label: "SPEAKER_00" },
      { start: 1, end: 2, text: "b", speaker: "SPEAKER_01", speaker_label: "SPEAKER_01" },
      { start: 2, end: 3, text: "c", speaker: "SPEAKER_02", speaker_label: "SPEAKER_02" },
    ],
    speakers: [
      { label: "SPEAKER_00", name: "Katie", similarity: 0.71, match: "confident" },
      { label: "SPEAKER_01", name: null, similarity: 0.41, match: "unsure" },
      { label: "SPEAKER_02", name: null, similarity: 0.05, match: "none" },
    ],
  });
  const note = (label: string, d = doc) =>
    matchNote(d.speakers.find((s) => s.label === label), displayName(d, label));

  it("says unsure instead of a percentage, and nothing when no one is close", () => {
    expect(note("SPEAKER_00")).toBe("voiceBankMatch");
    expect(note("SPEAKER_01")).toBe("unsure");
    expect(note("SPEAKER_02")).toBeNull();
  });

  it("drops the voice bank's judgement once a person renames the speaker", () => {
    const renamed = renameInDocument(doc, "SPEAKER_00", "Diane");
    expect(renamed.speakers[0]?.match).toBe("none");
    expect(note("SPEAKER_00", renamed)).toBeNull();
  });

  it("reads old documents that carry only confidence", () => {
    const old = parseFusionDocument({
      segments: [{ start: 0, end: 1, text: "a", speaker: "Steve" }],
      speakers: [{ label: "Steve", name: "Steve", confidence: 0.6 }],
    });
    expect(old.speakers[0]?.match).toBeUndefined();
    expect(note("Steve", old)).toBeNull();
  });
});
