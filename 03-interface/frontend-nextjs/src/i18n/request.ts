/**
 * next-intl's request configuration ("without i18n routing": no locale in the URLs). The
 * language is the `NEXT_LOCALE` cookie's, else the browser's `Accept-Language` (fr* → French,
 * anything else → English); see {@link negotiateLocale}. Dates are shown in UTC on the server
 * and in the browser alike, so that both render the same text.
 */
import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { type AppLocale, LOCALE_COOKIE, negotiateLocale } from "./config";

const MESSAGES: Record<AppLocale, () => Promise<{ default: typeof import("../../messages/en.json") }>> = {
  en: () => import("../../messages/en.json"),
  fr: () => import("../../messages/fr.json"),
};

/** The language of the current request (cookie, then `Accept-Language`). */
export async function requestLocale(): Promise<AppLocale> {
  const [jar, head] = await Promise.all([cookies(), headers()]);
  return negotiateLocale(jar.get(LOCALE_COOKIE)?.value, head.get("accept-language"));
}

export default getRequestConfig(async () => {
  const locale = await requestLocale();
  return { locale, messages: (await MESSAGES[locale]()).default, timeZone: "UTC" };
});
