/**
 * Find in a meeting's transcript: every occurrence of what the user typed, ignoring case and
 * accents (`ecole` finds `École`), as character ranges of each utterance's shown text, and the
 * pieces an utterance's words split into around them (to draw the highlights).
 */
import type { FusionDocument, Utterance } from "./transcript";

/** One occurrence: the utterance's position in `doc.segments` and a range of its shown text. */
export interface FindMatch {
  position: number;
  /** Offsets in {@link shownText} of the utterance, end exclusive. */
  start: number;
  end: number;
}

/** The text an utterance shows: its words end to end, or its text when it has no words. */
export function shownText(u: Utterance): string {
  return u.words.length ? u.words.map((w) => w.word).join("") : u.text;
}

/**
 * `text` folded for comparison (lower case, accents dropped), with the offset in `text` of
 * each folded character.
 */
export function foldText(text: string): { folded: string; offsets: number[] } {
  let folded = "";
  const offsets: number[] = [];
  let i = 0;
  for (const char of text) {
    const f = char.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase();
    for (let k = 0; k < f.length; k += 1) offsets.push(i);
    folded += f;
    i += char.length;
  }
  offsets.push(i);
  return { folded, offsets };
}

/**
 * Every occurrence of `query` in the transcript, in reading order (occurrences do not overlap).
 *
 * @param doc The fusion document.
 * @param query What the user typed; surrounding whitespace is ignored, and an empty query
 *   finds nothing.
 */
export function findMatches(doc: FusionDocument, query: string): FindMatch[] {
  const needle = foldText(query.trim().replace(/\s+/g, " ")).folded;
  if (!needle) return [];
  const out: FindMatch[] = [];
  doc.segments.forEach((u, position) => {
    const { folded, offsets } = foldText(shownText(u));
    let from = folded.indexOf(needle);
    while (from >= 0) {
      out.push({ position, start: offsets[from] ?? 0, end: offsets[from + needle.length] ?? folded.length });
      from = folded.indexOf(needle, from + needle.length);
    }
  });
  return out;
}

/** A piece of text to draw: plain, a match, or the current match. */
export interface TextPiece {
  text: string;
  mark: "match" | "current" | null;
}

/**
 * Split the part `[offset, offset + text.length)` of an utterance's shown text around the
 * match ranges.
 *
 * @param text The part (e.g. one word).
 * @param offset Where it starts in the shown text.
 * @param ranges The utterance's matches (offsets in the shown text), `current` on the one
 *   the find box is at.
 */
export function splitByMatches(text: string, offset: number, ranges: readonly { start: number; end: number; current: boolean }[]): TextPiece[] {
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const r of ranges) {
    const start = Math.max(0, r.start - offset);
    const end = Math.min(text.length, r.end - offset);
    if (end <= start || end <= at) continue;
    if (start > at) pieces.push({ text: text.slice(at, start), mark: null });
    pieces.push({ text: text.slice(Math.max(at, start), end), mark: r.current ? "current" : "match" });
    at = end;
  }
  if (at < text.length || pieces.length === 0) pieces.push({ text: text.slice(at), mark: null });
  return pieces;
}
