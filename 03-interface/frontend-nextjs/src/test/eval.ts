/**
 * Test inputs from the project's evaluation set (`../shared/eval` next to the repository root,
 * or `$SCRIBE_EVAL_DIR`): the real `sample-call` recording and its ground truth. Tests that
 * need them skip with a clear reason when the folder is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { FusionDocument } from "@/lib/transcript";

/** Root of the repository (this file is `03-interface/frontend-nextjs/src/test/eval.ts`). */
export const REPO_ROOT = path.resolve(__dirname, "../../../..");

/** The evaluation folder. */
export const EVAL_DIR = process.env.SCRIBE_EVAL_DIR ?? path.resolve(REPO_ROOT, "../shared/eval");

/** Paths of the 30 s two-speaker phone call and its references. */
export const SAMPLE = {
  wav: path.join(EVAL_DIR, "sample-call/sample.wav"),
  stm: path.join(EVAL_DIR, "sample-call/sample.stm"),
  rttm: path.join(EVAL_DIR, "sample-call/sample.rttm"),
};

/** Whether the evaluation data is present (else: `describe.skipIf(!HAS_EVAL)`). */
export const HAS_EVAL = existsSync(SAMPLE.wav) && existsSync(SAMPLE.stm);

/** Reason printed when the evaluation data is absent. */
export const NO_EVAL_REASON = `evaluation data not found at ${EVAL_DIR} (set SCRIBE_EVAL_DIR)`;

/** One line of an STM file: `<file> <channel> <speaker> <start> <end> <text>`. */
export interface StmLine {
  speaker: string;
  start: number;
  end: number;
  text: string;
}

/**
 * Parse an STM (NIST segment time mark) reference transcript.
 *
 * Without the evaluation data the sample call reads as no lines: vitest still runs the body
 * of a `describe.skipIf(!HAS_EVAL)` suite to collect its tests, and the suites build their
 * fixtures there, so reading must not throw although no test of the suite runs.
 */
export function readStm(file = SAMPLE.stm): StmLine[] {
  if (file === SAMPLE.stm && !HAS_EVAL) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith(";;"))
    .map((line) => {
      const [, , speaker, start, end, ...words] = line.trim().split(/\s+/);
      return { speaker: speaker ?? "", start: Number(start), end: Number(end), text: words.join(" ") };
    });
}

/**
 * A fusion document made from the reference transcript of `sample-call`: one utterance per
 * STM line, speakers labelled `SPEAKER_00`, `SPEAKER_01` in order of appearance and left
 * unnamed, word times interpolated inside each line in proportion to word length (the STM
 * has no word times). Real speech, real timing, no model output.
 */
export function sampleCallDocument(): FusionDocument {
  const lines = readStm();
  const labels = new Map<string, string>();
  for (const l of lines) if (!labels.has(l.speaker)) labels.set(l.speaker, `SPEAKER_${String(labels.size).padStart(2, "0")}`);
  const segments = lines.map((l) => {
    const tokens = l.text.split(" ");
    const chars = tokens.reduce((n, t) => n + t.length, 0);
    let t = l.start;
    const words = tokens.map((token) => {
      const d = ((l.end - l.start) * token.length) / chars;
      const w = { word: ` ${token}`, start: Number(t.toFixed(3)), end: Number((t + d).toFixed(3)), probability: 1 };
      t += d;
      return w;
    });
    const label = labels.get(l.speaker) ?? "SPEAKER_99";
    return { start: l.start, end: l.end, text: l.text, speaker: label, speaker_label: label, words };
  });
  return {
    text: lines.map((l) => l.text).join(" "),
    segments,
    speakers: [...labels.values()].map((label) => ({ label, name: null, confidence: null })),
    language: "en",
    duration: 30.0,
    processing_time: 0,
  };
}

/** The reference speaker (Diane, Sheila) behind each `SPEAKER_nn` label of {@link sampleCallDocument}. */
export function referenceNames(): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of readStm()) {
    const label = `SPEAKER_${String(out.size).padStart(2, "0")}`;
    if (![...out.values()].includes(l.speaker)) out.set(label, l.speaker);
  }
  return out;
}
