/**
 * Turning a {@link Message} into text in async server components, Server Actions and route
 * handlers (server-only: `next-intl/server`).
 */
import { getTranslations } from "next-intl/server";
import type { Message } from "./message";
import type { LooseTranslator, MessageText } from "./text";

/** `(message) => text` in the request's language. */
export async function getMessageText(): Promise<MessageText> {
  const t = (await getTranslations()) as unknown as LooseTranslator;
  return (m: Message) => t(m.key, m.values);
}
