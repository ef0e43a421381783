/**
 * The time axis under the speaker timeline: tick marks at a round step chosen for the
 * recording's duration, labelled `m:ss` or `h:mm:ss`.
 */
import { formatTimestamp } from "./format";

/** Steps the axis may use, in seconds (1 s … 6 h), smallest first. */
export const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600] as const;

/** One tick: its time, its position in percent of the duration, its label. */
export interface Tick {
  seconds: number;
  left: number;
  label: string;
}

/**
 * The smallest step of {@link TICK_STEPS} that gives at most `maxTicks` ticks (0 included).
 *
 * @param duration Length of the recording in seconds (> 0).
 * @param maxTicks Most ticks wanted (at least 2).
 */
export function tickStep(duration: number, maxTicks = 7): number {
  const intervals = Math.max(1, maxTicks - 1);
  for (const step of TICK_STEPS) {
    if (Math.floor(duration / step) <= intervals) return step;
  }
  return TICK_STEPS[TICK_STEPS.length - 1] ?? 21600;
}

/**
 * The ticks of a recording's time axis.
 *
 * @param duration Length of the recording in seconds; none for 0, negative or non-finite.
 * @param maxTicks Most ticks wanted (default 7: readable on a phone as on a desktop).
 * @returns Ticks from 0 s, every {@link tickStep} seconds, up to the duration, e.g. for 30 s:
 *   `0:00 0:05 … 0:30`; for 1 h 30 min: `0:00 15:00 30:00 … 1:30:00`.
 */
export function timeAxisTicks(duration: number, maxTicks = 7): Tick[] {
  if (!Number.isFinite(duration) || duration <= 0) return [];
  const step = tickStep(duration, maxTicks);
  const ticks: Tick[] = [];
  for (let i = 0; i * step <= duration + 1e-9; i += 1) {
    const seconds = i * step;
    ticks.push({ seconds, left: (seconds / duration) * 100, label: formatTimestamp(seconds) });
  }
  return ticks;
}
