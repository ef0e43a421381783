import { describe, expect, it } from "vitest";
import { parseVoiceBank, sampleCount, speakerKey } from "./voice-bank";

describe("parseVoiceBank", () => {
  it("reads a list or a page of enrolled people", () => {
    const people = [{ id: "7f9c", name: "Katie", samples: 2, created_at: "2026-11-23T10:00:00Z" }, { name: "Steve O'Neil" }];
    expect(parseVoiceBank(people).map((p) => p.name)).toEqual(["Katie", "Steve O'Neil"]);
    expect(parseVoiceBank({ items: people, total: 2 })).toHaveLength(2);
  });

  it("rejects anything else", () => {
    expect(() => parseVoiceBank({ detail: "Not Found" })).toThrow();
    expect(() => parseVoiceBank([{ id: 1 }])).toThrow();
  });

  it("names a person by id when there is one, else by name, URL-encoded", () => {
    const [katie, steve] = parseVoiceBank([{ id: 12, name: "Katie", num_samples: 3 }, { name: "Steve O'Neil/2" }]);
    expect(speakerKey(katie!)).toBe("12");
    expect(speakerKey(steve!)).toBe("Steve%20O'Neil%2F2");
    expect(sampleCount(katie!)).toBe(3);
    expect(sampleCount(steve!)).toBeUndefined();
  });
});
