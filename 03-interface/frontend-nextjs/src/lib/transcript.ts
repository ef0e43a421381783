/**
 * The fusion document (`fusion.json`, `GET /api/v1/meetings/{id}/transcript?format=json`) as
 * the dashboard reads it, validated with zod at the boundary, and the pure functions the
 * meeting page needs: which utterance is playing, speaker colours, the speaker timeline.
 *
 * Shape (times in seconds): `{text, segments:[{start, end, text, speaker, speaker_label,
 * words:[{word, start, end, probability}]}], speakers:[{label, name, similarity, match}], language,
 * duration, processing_time}` — the whisperX / faster-whisper shape described in
 * `01-core/scribe_core/domain.py`.
 */
import { z } from "zod";

export const wordSchema = z.object({
  word: z.string(),
  start: z.number(),
  end: z.number(),
  probability: z.number().nullish(),
});

export const utteranceSchema = z.object({
  start: z.number(),
  end: z.number(),
  text: z.string(),
  speaker: z.string(),
  speaker_label: z.string().optional(),
  words: z.array(wordSchema).default([]),
  /**
   * Position of the utterance in the gateway's `segments` (what `PATCH …/segments/{index}`
   * and the search page's `?segment=` links address); set by {@link parseFusionDocument}.
   */
  index: z.number().int().nonnegative().optional(),
});

/** How the voice bank matched a speaker: named with confidence, close but unnamed, or not. */
export const matchSchema = z.enum(["confident", "unsure", "none"]);

export const speakerSchema = z.object({
  label: z.string(),
  name: z.string().nullish(),
  /** Cosine similarity to the best voiceprint (not a probability). */
  similarity: z.number().nullish(),
  /** Older documents carry only `confidence` (the same similarity). */
  confidence: z.number().nullish(),
  match: matchSchema.nullish(),
});

export const fusionDocumentSchema = z.object({
  text: z.string().default(""),
  segments: z.array(utteranceSchema),
  speakers: z.array(speakerSchema).default([]),
  language: z.string().nullish(),
  duration: z.number().nullish(),
  processing_time: z.number().nullish(),
});

export type Word = z.infer<typeof wordSchema>;
export type Utterance = z.infer<typeof utteranceSchema>;
export type Speaker = z.infer<typeof speakerSchema>;
export type SpeakerMatch = z.infer<typeof matchSchema>;

/** What the speaker list notes about a voice-bank match (`speakers.match.<note>`). */
export type MatchNote = "voiceBankMatch" | "unsure";

/**
 * What the dashboard says about a speaker's voice-bank match.
 *
 * @returns `"voiceBankMatch"` for a confident match that still carries its machine name,
 *   `"unsure"` when a person came close but was not named, `null` otherwise (no voice bank,
 *   no close person, or a name the user typed).
 */
export function matchNote(speaker: Speaker | undefined, shownName: string): MatchNote | null {
  if (!speaker) return null;
  if (speaker.match === "unsure") return "unsure";
  if (speaker.match === "confident" && speaker.name && speaker.name === shownName) {
    return "voiceBankMatch";
  }
  return null;
}
export type FusionDocument = z.infer<typeof fusionDocumentSchema>;

/**
 * Validate a parsed JSON value as a fusion document.
 *
 * @param value The parsed body of `transcript?format=json`.
 * @returns The document, with every utterance carrying a `speaker_label` (falls back to its
 *   `speaker`) and its `index` in the gateway's `segments`, segments sorted by start time.
 * @throws {z.ZodError} When the value does not have the fusion document's shape.
 */
export function parseFusionDocument(value: unknown): FusionDocument {
  const doc = fusionDocumentSchema.parse(value);
  const segments = doc.segments
    .map((s, index) => ({ ...s, speaker_label: s.speaker_label ?? s.speaker, index }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  return { ...doc, segments };
}

/** The label an utterance belongs to (stable across renames). */
export function labelOf(u: Utterance): string {
  return u.speaker_label ?? u.speaker;
}

/**
 * Display name of a speaker label: the enrolled or user-given name, else the label.
 *
 * @param doc The fusion document.
 * @param label A speaker label, e.g. `SPEAKER_00`.
 */
export function displayName(doc: FusionDocument, label: string): string {
  const name = doc.speakers.find((s) => s.label === label)?.name?.trim();
  return name || label;
}

/**
 * Speaker labels in a stable order: the order of `speakers`, then any label that only
 * appears in `segments`, in order of first appearance.
 */
export function speakerLabels(doc: FusionDocument): string[] {
  const labels = new Set(doc.speakers.map((s) => s.label));
  for (const u of doc.segments) labels.add(labelOf(u));
  return [...labels];
}

/**
 * Index of the utterance playing at `time`: the last utterance whose start is at or before
 * `time`, as long as `time` is before its end (gaps between utterances give `-1`).
 * Binary search, O(log n).
 *
 * @param segments Utterances sorted by start time.
 * @param time Playback position in seconds.
 * @returns An index into `segments`, or -1 when no utterance covers `time`.
 */
export function activeSegmentIndex(segments: readonly Utterance[], time: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const seg = segments[mid];
    if (seg !== undefined && seg.start <= time) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0) return -1;
  // Overlapping utterances: prefer the latest-starting one that still covers `time`.
  // (A long utterance may still cover `time` after a short one inside it has ended; look back a
  // few utterances, which bounds the cost.)
  for (let i = found; i >= Math.max(0, found - 8); i -= 1) {
    const seg = segments[i];
    if (seg !== undefined && time < seg.end) return i;
  }
  return -1;
}

/**
 * Colour palette for speakers in the light theme: 8 hues with at least 4.5:1 contrast on white
 * (WCAG AA for text), in an order that keeps neighbours distinguishable. `globals.css` defines
 * them as `--speaker-0` … `--speaker-7`, with lighter hues of the same order for the dark theme.
 */
export const SPEAKER_COLOURS = [
  "#1f5fbf",
  "#b3261e",
  "#1b7f3b",
  "#8a4baf",
  "#9a5b00",
  "#00788a",
  "#b0306a",
  "#4d5b12",
] as const;

/**
 * A colour per speaker label, assigned in `speakerLabels` order (cycling after 8), as a CSS
 * custom property of the current theme (with the light colour as fallback).
 *
 * @returns A map label → CSS colour, e.g. `var(--speaker-1, #b3261e)`.
 */
export function speakerColours(doc: FusionDocument): Map<string, string> {
  const colours = new Map<string, string>();
  speakerLabels(doc).forEach((label, i) => {
    const slot = i % SPEAKER_COLOURS.length;
    colours.set(label, `var(--speaker-${slot}, ${SPEAKER_COLOURS[slot] ?? SPEAKER_COLOURS[0]})`);
  });
  return colours;
}

/** One bar of the speaker timeline, in percent of the recording's duration. */
export interface TimelineBar {
  start: number;
  end: number;
  left: number;
  width: number;
}

/** One row of the speaker timeline: a speaker and when they spoke. */
export interface TimelineLane {
  label: string;
  bars: TimelineBar[];
  /** Total speech of the speaker in seconds. */
  speech: number;
}

/**
 * Who spoke when: one lane per speaker, one bar per utterance, adjacent utterances of the same
 * speaker closer than `mergeGap` seconds merged into one bar.
 *
 * @param doc The fusion document.
 * @param duration Length of the recording in seconds (the audio element's duration when known,
 *   else the document's); bars are placed in percent of it.
 * @param mergeGap Gap in seconds under which two bars of one speaker merge.
 */
export function timelineLanes(doc: FusionDocument, duration?: number, mergeGap = 0.5): TimelineLane[] {
  const lastEnd = doc.segments.reduce((m, s) => Math.max(m, s.end), 0);
  const total = Math.max(duration ?? 0, doc.duration ?? 0, lastEnd, 1e-6);
  return speakerLabels(doc).map((label) => {
    const spans: { start: number; end: number }[] = [];
    for (const u of doc.segments) {
      if (labelOf(u) !== label) continue;
      const prev = spans[spans.length - 1];
      if (prev && u.start - prev.end <= mergeGap) prev.end = Math.max(prev.end, u.end);
      else spans.push({ start: u.start, end: u.end });
    }
    const bars = spans.map(({ start, end }) => ({
      start,
      end,
      left: (start / total) * 100,
      width: Math.max(((end - start) / total) * 100, 0.3),
    }));
    return { label, bars, speech: spans.reduce((sum, b) => sum + (b.end - b.start), 0) };
  });
}

/**
 * A copy of `doc` where `label` is displayed as `name` in `speakers` and every utterance —
 * the same rule as `FusionDocument.rename_speaker` in the shared Python package.
 *
 * @param name New display name; empty restores the label.
 */
export function renameInDocument(doc: FusionDocument, label: string, name: string | null): FusionDocument {
  const clean = name?.trim() || null;
  return {
    ...doc,
    // A name typed by a person replaces the voice bank's judgement (as the gateway does).
    speakers: doc.speakers.map((s) =>
      s.label === label ? (s.name === clean ? s : { ...s, name: clean, match: "none" as const }) : s,
    ),
    segments: doc.segments.map((u) => (labelOf(u) === label ? { ...u, speaker: clean ?? label } : u)),
  };
}

/**
 * The utterance the `n` shortcut goes to: the first that starts after `time`.
 *
 * @param segments Utterances sorted by start time.
 * @param time Playback position in seconds.
 * @returns An index, or -1 after the last utterance's start.
 */
export function nextUtteranceIndex(segments: readonly Utterance[], time: number): number {
  return segments.findIndex((u) => u.start > time + 0.01);
}

/**
 * The utterance the `p` shortcut goes to: the one before the utterance being played, or,
 * between utterances, the last one that started before `time`.
 *
 * @param segments Utterances sorted by start time.
 * @param time Playback position in seconds.
 * @returns An index, or -1 when there is none before (the caller stays at the first).
 */
export function previousUtteranceIndex(segments: readonly Utterance[], time: number): number {
  const active = activeSegmentIndex(segments, time);
  if (active >= 0) return active - 1;
  let last = -1;
  segments.forEach((u, i) => {
    if (u.start < time) last = i;
  });
  return last;
}
