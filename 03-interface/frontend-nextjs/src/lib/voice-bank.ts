/**
 * The voice bank as the gateway serves it (`/api/v1/speakers…`, typed from its OpenAPI
 * document): people with an enrolment status. A new person, or one given more samples, is
 * PENDING while the worker checks (VAD) and embeds the recordings, then READY, or FAILED with
 * the reason in `error` (e.g. too little speech).
 */
import type { components } from "./api/schema";

export type Person = components["schemas"]["PersonPublic"];
export type PersonStatus = components["schemas"]["PersonStatus"];

const STATUS_LABELS: Record<PersonStatus, string> = {
  PENDING: "Processing",
  READY: "Ready",
  FAILED: "Failed",
};

/** What the badge of a person says (PENDING is shown as processing). */
export function personStatusLabel(status: string): string {
  return STATUS_LABELS[status as PersonStatus] ?? status;
}

/** The meeting badge colour used for a person status (same palette as meetings). */
export function personBadgeClass(status: string): string {
  return status === "READY" ? "COMPLETED" : status === "PENDING" ? "PROCESSING" : status;
}

/** Whether any person is still being enrolled (the page polls while so). */
export function anyPending(people: readonly Pick<Person, "status">[]): boolean {
  return people.some((p) => p.status === "PENDING");
}

/** "1 sample", "3 samples". */
export function samplesText(n: number): string {
  return `${n} sample${n === 1 ? "" : "s"}`;
}

/** Put `person` in the list (replacing the entry with its id), keeping the list sorted by name. */
export function upsertPerson(people: readonly Person[], person: Person): Person[] {
  return [...people.filter((p) => p.id !== person.id), person].sort((a, b) =>
    a.name.localeCompare(b.name, undefined, { sensitivity: "base" }),
  );
}
