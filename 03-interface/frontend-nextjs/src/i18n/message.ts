/**
 * A sentence to show, kept as its key in `messages/<locale>.json` and the values of its
 * placeholders until it is rendered: library code (validation, error mapping) returns a
 * {@link Message}, components translate it with `useMessageText()` (client) or
 * `getMessageText()` (server).
 */
import type { Messages, NestedKeyOf } from "next-intl";

/** Every key of the messages, e.g. `"uploader.title"` or `"errors.no_audio_stream"`. */
export type MessageKey = NestedKeyOf<Messages>;

/** Values of a message's ICU placeholders (`{name}`, `{count, plural, …}`). */
export type MessageValues = Record<string, string | number | Date>;

/** A sentence to translate later: its key and its values. */
export interface Message {
  key: MessageKey;
  values?: MessageValues | undefined;
}

/**
 * Build a {@link Message}.
 *
 * @param key Full key, e.g. `"uploader.errors.empty"`.
 * @param values Placeholder values, e.g. `{ name: "call.wav" }`.
 */
export function msg(key: MessageKey, values?: MessageValues): Message {
  return values ? { key, values } : { key };
}

/** Whether `value` is a {@link Message} (a form state may hold one). */
export function isMessage(value: unknown): value is Message {
  return typeof value === "object" && value !== null && typeof (value as { key?: unknown }).key === "string";
}
