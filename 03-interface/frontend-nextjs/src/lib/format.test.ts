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

describe("in French", () => {
  it("keeps numbers with their units (non-breaking spaces) and uses French units and dates", () => {
    expect(formatDuration(42.4, "fr")).toBe("42\u00a0s");
    expect(formatDuration(187, "fr")).toBe("3\u00a0min\u00a007\u00a0s");
    expect(formatDuration(3720, "fr")).toBe("1\u00a0h\u00a002\u00a0min");
    expect(formatBytes(960_104, "fr")).toBe("960\u00a0ko");
    expect(formatBytes(1_500_000, "fr")).toBe("1,5\u00a0Mo");
    expect(formatBytes(0, "fr")).toBe("0\u00a0o");
    expect(formatPercent(0.424, "fr")).toBe("42\u202f%");
    expect(formatDateTime("2026-11-23T18:11:45.322741Z", "fr")).toBe("23 nov. 2026 à 18:11");
    expect(formatDateTime("2026-02-03T07:05:00Z", "en")).toBe("3 Feb 2026, 07:05");
  });
});

describe("downloadStem", () => {
  it("drops the extension and unsafe characters", () => {
    expect(downloadStem("Weekly sync: Q3/Q4.m4a")).toBe("Weekly_sync_Q3_Q4");
    expect(downloadStem("Réunion d'équipe")).toBe("Réunion_d_équipe");
    expect(downloadStem("...")).toBe("transcript");
  });
});
