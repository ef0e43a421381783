import { describe, expect, it } from "vitest";
import { translate } from "@/test/intl";
import { formatSpeakerStatistics, speakerStatistics } from "./speaker-stats";

/** A meeting detail as `GET /api/v1/meetings/{id}` answers it for a completed meeting. */
const detail = {
  id: "5ed0b6fb-81a6-4a98-9bec-b9adc3fdeaba",
  status: "COMPLETED",
  speakers: [
    { label: "SPEAKER_00", display_name: "Benoît Lœuvre", similarity: null, match: "none",
      talk_time_seconds: 36.0, turns: 5, words: 96, words_per_minute: 160.0, talk_share: 0.6 },
    { label: "SPEAKER_01", display_name: null, similarity: null, match: "none",
      talk_time_seconds: 24.0, turns: 4, words: 62, words_per_minute: 155.0, talk_share: 0.4 },
    { label: "SPEAKER_02", display_name: null, similarity: null, match: "none",
      talk_time_seconds: 0, turns: 0, words: 0, words_per_minute: null, talk_share: 0 },
  ],
};

describe("speakerStatistics", () => {
  it("reads every speaker's figures by label", () => {
    const stats = speakerStatistics(detail);
    expect([...stats.keys()]).toEqual(["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]);
    expect(stats.get("SPEAKER_00")).toEqual({ talkTime: 36, turns: 5, words: 96, wordsPerMinute: 160, share: 0.6 });
    expect(stats.get("SPEAKER_02")?.wordsPerMinute).toBeNull();
  });

  it("gives nothing for a meeting still processing, an older gateway or a bad body", () => {
    const pending = { speakers: [{ label: "SPEAKER_00", talk_time_seconds: null, turns: null, words: null }] };
    const older = { speakers: [{ label: "SPEAKER_00", display_name: null }] };
    for (const body of [pending, older, { speakers: [] }, {}, null, undefined, "x", { speakers: "x" }]) {
      expect(speakerStatistics(body).size).toBe(0);
    }
  });

  it("skips a speaker whose figures are out of range and keeps the others", () => {
    const bad = { speakers: [{ ...detail.speakers[0], talk_share: 1.5 }, { ...detail.speakers[1], turns: -1 }, detail.speakers[2]] };
    expect([...speakerStatistics(bad).keys()]).toEqual(["SPEAKER_02"]);
  });
});

describe("formatSpeakerStatistics", () => {
  it.each([
    [{ talkTime: 36, turns: 5, words: 96, wordsPerMinute: 160, share: 0.6 }, "36 s · 60 % · 5 turns · 160 wpm"],
    [{ talkTime: 65.4, turns: 1, words: 170, wordsPerMinute: 155.96, share: 0.425 }, "1 min 05 s · 43 % · 1 turn · 156 wpm"],
    [{ talkTime: 0, turns: 0, words: 0, wordsPerMinute: null, share: 0 }, "0 s · 0 % · 0 turns"],
  ])("%o → %s", (stats, text) => {
    expect(formatSpeakerStatistics(stats, (m) => translate("en", m))).toBe(text);
  });

  it("reads in French", () => {
    const stats = { talkTime: 65.4, turns: 1, words: 170, wordsPerMinute: 155.96, share: 0.425 };
    expect(formatSpeakerStatistics(stats, (m) => translate("fr", m), "fr")).toBe(
      "1\u00a0min\u00a005\u00a0s · 43\u202f% · 1 tour de parole · 156 mots/min",
    );
  });
});
