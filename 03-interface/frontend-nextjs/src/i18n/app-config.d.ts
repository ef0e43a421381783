/**
 * Types of next-intl for this app: the languages, and the message keys as in
 * `messages/en.json` (so that `t("…")` with a key that does not exist fails `tsc`).
 * `messages/fr.json` must have the same keys (checked by `src/i18n/messages.test.ts`).
 */
import type en from "../../messages/en.json";
import type { AppLocale } from "./config";

declare module "next-intl" {
  interface AppConfig {
    Locale: AppLocale;
    Messages: typeof en;
  }
}
