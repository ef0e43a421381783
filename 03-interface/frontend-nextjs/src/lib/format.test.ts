import { describe, expect, it } from "vitest";
import { downloadStem, formatBytes, formatDateTime, formatDuration, formatPercent, formatTimestamp } from "./format";

describe("formatTimestamp", () => {
  it.each([
    [0, "0:00"],
    [7.9, "0:07"],
    [65, "1:05"],
    [754.2, "12:34"],
    [3723, "1:02:03"],
    [-3, "0:00"],
    [Number.NaN, "0:00"],
  ])("%s s → %s", (seconds, text) => {
    expect(formatTimestamp(seconds)).toBe(text);
  });
});

describe("formatDuration", () => {
  it.each([
    [null, "—"],
    [undefined, "—"],
    [42.4, "42 s"],
    [187, "3 min 07 s"],
    [3720, "1 h 02 min"],
  ])("%s → %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [960_104, "960 KB"],
    [1_500_000, "1.5 MB"],
    [4 * 1024 ** 3, "4.3 GB"],
  ])("%s → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("formatPercent", () => {
  it("clamps and rounds", () => {
    expect(formatPercent(0.424)).toBe("42 %");
    expect(formatPercent(1.7)).toBe("100 %");
    expect(formatPercent(-1)).toBe("0 %");
  });
});

describe("formatDateTime", () => {
  it("renders the same text on server and browser (UTC, en-GB)", () => {
    expect(formatDateTime("2026-11-23T18:11:45.322741Z")).toBe("23 Nov 2026, 18:11");
  });
  it("renders missing or invalid dates as a dash", () => {
    expect(formatDateTime(null)).toBe("—");
    expect(formatDateTime("not a date")).toBe("—");
  });
});

describe("downloadStem", () => {
  it("drops the extension and unsafe characters", () => {
    expect(downloadStem("Weekly sync: Q3/Q4.m4a")).toBe("Weekly_sync_Q3_Q4");
    expect(downloadStem("Réunion d'équipe")).toBe("Réunion_d_équipe");
    expect(downloadStem("...")).toBe("transcript");
  });
});
