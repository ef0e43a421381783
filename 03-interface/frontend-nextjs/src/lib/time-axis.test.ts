import { describe, expect, it } from "vitest";
import { tickStep, timeAxisTicks } from "./time-axis";

describe("timeAxisTicks", () => {
  it("labels a 30 s call every 5 s, from 0:00 to 0:30", () => {
    const ticks = timeAxisTicks(30);
    expect(ticks.map((t) => t.label)).toEqual(["0:00", "0:05", "0:10", "0:15", "0:20", "0:25", "0:30"]);
    expect(ticks[1]!.left).toBeCloseTo((5 / 30) * 100, 10);
    expect(ticks.at(-1)!.left).toBe(100);
  });

  it.each([
    [7.2, 2, "0:06"],
    [12, 2, "0:12"],
    [95, 15, "1:30"],
    [187, 30, "3:00"],
    [2700, 600, "40:00"],
    [3600, 600, "1:00:00"],
    [5400, 900, "1:30:00"],
    [4 * 3600 + 17, 3600, "4:00:00"],
    [30 * 3600, 21600, "30:00:00"],
  ])("%s s → a tick every %s s, the last one %s", (duration, step, last) => {
    expect(tickStep(duration)).toBe(step);
    const ticks = timeAxisTicks(duration);
    expect(ticks.length).toBeLessThanOrEqual(7);
    expect(ticks.at(-1)!.label).toBe(last);
    expect(ticks.every((t, i) => i === 0 || t.seconds - ticks[i - 1]!.seconds === step)).toBe(true);
    expect(ticks.every((t) => t.left >= 0 && t.left <= 100)).toBe(true);
  });

  it("uses h:mm:ss once the recording passes an hour, and fewer ticks when asked", () => {
    expect(timeAxisTicks(3 * 3600, 4).map((t) => t.label)).toEqual(["0:00", "1:00:00", "2:00:00", "3:00:00"]);
    expect(timeAxisTicks(30, 3).map((t) => t.label)).toEqual(["0:00", "0:15", "0:30"]);
  });

  it("draws nothing without a duration", () => {
    expect(timeAxisTicks(0)).toEqual([]);
    expect(timeAxisTicks(Number.NaN)).toEqual([]);
    expect(timeAxisTicks(-5)).toEqual([]);
  });
});
