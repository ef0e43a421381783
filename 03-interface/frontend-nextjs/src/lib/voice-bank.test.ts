import { describe, expect, it } from "vitest";
import { translate } from "@/test/intl";
import { anyPending, type Person, personBadgeClass, personStatusLabel, samplesText, upsertPerson } from "./voice-bank";

function person(overrides: Partial<Person>): Person {
  return {
    id: "11111111-2222-4333-8444-555555555555",
    name: "Katie",
    status: "READY",
    error: null,
    error_code: null,
    num_samples: 1,
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:00:05Z",
    ...overrides,
  };
}

describe("voice bank helpers", () => {
  it("labels the statuses, PENDING as processing", () => {
    const en = (status: string) => translate("en", personStatusLabel(status));
    expect(en("PENDING")).toBe("Processing");
    expect(en("READY")).toBe("Ready");
    expect(en("FAILED")).toBe("Failed");
    expect(en("ODD")).toBe("Unknown");
    expect(translate("fr", personStatusLabel("READY"))).toBe("Prête");
    expect(personBadgeClass("READY")).toBe("COMPLETED");
    expect(personBadgeClass("PENDING")).toBe("PROCESSING");
    expect(personBadgeClass("FAILED")).toBe("FAILED");
  });

  it("knows when someone is still being enrolled", () => {
    expect(anyPending([])).toBe(false);
    expect(anyPending([person({}), person({ status: "FAILED" })])).toBe(false);
    expect(anyPending([person({}), person({ status: "PENDING" })])).toBe(true);
  });

  it("counts samples", () => {
    expect(translate("en", samplesText(0))).toBe("0 samples");
    expect(translate("en", samplesText(1))).toBe("1 sample");
    expect(translate("en", samplesText(3))).toBe("3 samples");
    expect(translate("fr", samplesText(0))).toBe("0 échantillon");
    expect(translate("fr", samplesText(1))).toBe("1 échantillon");
    expect(translate("fr", samplesText(3))).toBe("3 échantillons");
  });

  it("inserts or replaces a person by id, sorted by name", () => {
    const steve = person({ id: "s", name: "Steve" });
    const katie = person({ id: "k", name: "katie", status: "PENDING" });
    const list = upsertPerson([steve], katie);
    expect(list.map((p) => p.name)).toEqual(["katie", "Steve"]);
    const ready = upsertPerson(list, { ...katie, status: "READY" });
    expect(ready).toHaveLength(2);
    expect(ready[0]!.status).toBe("READY");
  });
});
