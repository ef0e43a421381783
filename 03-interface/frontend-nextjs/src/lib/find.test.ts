import { describe, expect, it } from "vitest";
import { HAS_EVAL, NO_EVAL_REASON, sampleCallDocument } from "@/test/eval";
import { findMatches, foldText, shownText, splitByMatches } from "./find";
import { parseFusionDocument } from "./transcript";

describe("foldText", () => {
  it("ignores case and accents, keeping offsets into the original text", () => {
    const { folded, offsets } = foldText("Élodie À");
    expect(folded).toBe("elodie a");
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("splitByMatches", () => {
  it("cuts a word around the matches it overlaps", () => {
    expect(splitByMatches(" Chicago.", 10, [{ start: 11, end: 18, current: true }])).toEqual([
      { text: " ", mark: null },
      { text: "Chicago", mark: "current" },
      { text: ".", mark: null },
    ]);
    // A match that starts in the word before and ends in this one.
    expect(splitByMatches(" York", 5, [{ start: 2, end: 8, current: false }])).toEqual([
      { text: " Yo", mark: "match" },
      { text: "rk", mark: null },
    ]);
    expect(splitByMatches("plain", 0, [])).toEqual([{ text: "plain", mark: null }]);
  });
});

describe.skipIf(!HAS_EVAL)(`findMatches on the sample call (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());

  it("finds every occurrence in reading order, across case and accents", () => {
    const jersey = findMatches(doc, "JÉRSEY");
    expect(jersey.map((m) => m.position)).toEqual([6, 9, 12]);
    for (const m of jersey) expect(shownText(doc.segments[m.position]!).slice(m.start, m.end)).toBe("Jersey");
    expect(findMatches(doc, "new  jersey")).toHaveLength(3);
    expect(findMatches(doc, "hello").map((m) => m.position)).toEqual([0, 1, 2]);
    expect(findMatches(doc, "   ")).toEqual([]);
    expect(findMatches(doc, "zanzibar")).toEqual([]);
  });
});
