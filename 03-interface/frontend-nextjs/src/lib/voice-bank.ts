/**
 * The voice bank as the gateway serves it (`/api/v1/speakers…`, typed from its OpenAPI
 * document): people with an enrolment status. A new person, or one given more samples, is
 * PENDING while the worker checks (VAD) and embeds the recordings, then READY, or FAILED with
 * the reason in `error` (e.g. too little speech).
 */
import { type Message, msg } from "@/i18n/message";
import type { components } from "./api/schema";

export type Person = components["schemas"]["PersonPublic"];
export type PersonStatus = components["schemas"]["PersonStatus"];

const STATUSES: readonly string[] = ["PENDING", "READY", "FAILED"] satisfies PersonStatus[];

/**
 * What the badge of a person says: `voiceBank.status.PENDING` ("Processing"), `READY`,
 * `FAILED`; `voiceBank.status.unknown` for a status this dashboard does not know.
 */
export function personStatusLabel(status: string): Message {
  return msg(STATUSES.includes(status) ? (`voiceBank.status.${status}` as Message["key"]) : "voiceBank.status.unknown");
}

/** The meeting badge colour used for a person status (same palette as meetings). */
export function personBadgeClass(status: string): string {
  return status === "READY" ? "COMPLETED" : status === "PENDING" ? "PROCESSING" : status;
}

/** Whether any person is still being enrolled (the page polls while so). */
export function anyPending(people: readonly Pick<Person, "status">[]): boolean {
  return people.some((p) => p.status === "PENDING");
}

/** "1 sample", "3 samples" (`voiceBank.samples`, plural rules of the language). */
export function samplesText(n: number): Message {
  return msg("voiceBank.samples", { count: n });
}

/** Put `person` in the list (replacing the entry with its id), keeping the list sorted by name. */
export function upsertPerson(people: readonly Person[], person: Person): Person[] {
  return [...people.filter((p) => p.id !== person.id), person].sort((a, b) =>
    a.name.localeCompare(b.name, undefined, { sensitivity: "base" }),
  );
}
