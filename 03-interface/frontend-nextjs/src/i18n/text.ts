/**
 * Turning a {@link Message} into text in components (client components, and server
 * components that are not async). Async server code uses `getMessageText()` from
 * `./server-text`.
 */
import { useTranslations } from "next-intl";
import { useCallback } from "react";
import type { Message } from "./message";

/** A function that renders a {@link Message} in the current language. */
export type MessageText = (message: Message) => string;

/** The untyped view of a translator: `Message.key` is checked where the message is built. */
export type LooseTranslator = (key: string, values?: Record<string, string | number | Date>) => string;

/** `(message) => text` in the current language (`useTranslations` underneath). */
export function useMessageText(): MessageText {
  const t = useTranslations() as unknown as LooseTranslator;
  return useCallback((m: Message) => t(m.key, m.values), [t]);
}
