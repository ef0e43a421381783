/**
 * The dashboard's languages and how a request's language is chosen (pure: no Next.js import,
 * so tests and the browser can load it). There is no locale in the URLs: the language comes
 * from the `NEXT_LOCALE` cookie (set by the language switch), else from the browser's
 * `Accept-Language` header, else English.
 */

/** Languages the dashboard is translated into (messages/<locale>.json). */
export const LOCALES = ["en", "fr"] as const;

/** One of {@link LOCALES}. */
export type AppLocale = (typeof LOCALES)[number];

/** The language when nothing else decides. */
export const DEFAULT_LOCALE: AppLocale = "en";

/** Cookie that keeps the language chosen with the switch (next-intl's conventional name). */
export const LOCALE_COOKIE = "NEXT_LOCALE";

/** Lifetime of the language and theme cookies, in seconds (one year). */
export const PREFERENCE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** Whether `value` is one of {@link LOCALES}. */
export function isLocale(value: unknown): value is AppLocale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The languages of an `Accept-Language` header, most preferred first (`q=0` dropped).
 *
 * @param header e.g. `fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5`.
 * @returns Lower-case tags, e.g. `["fr-ch", "fr", "en", "*"]`.
 */
export function acceptedLanguages(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim().toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((l) => l.tag && l.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((l) => l.tag);
}

/**
 * The language of a request.
 *
 * @param cookie The `NEXT_LOCALE` cookie's value, if any (wins when it is a known language).
 * @param acceptLanguage The `Accept-Language` header: the first preferred language that the
 *   dashboard has decides (`fr`, `fr-CA`… → `fr`; `en-GB`… → `en`).
 * @returns `fr` or `en` ({@link DEFAULT_LOCALE} when nothing matches).
 */
export function negotiateLocale(cookie: string | null | undefined, acceptLanguage: string | null | undefined): AppLocale {
  if (isLocale(cookie)) return cookie;
  for (const tag of acceptedLanguages(acceptLanguage)) {
    const primary = tag.split("-")[0];
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}

/**
 * The BCP-47 tag used with `Intl` for a dashboard language: British English (day month year,
 * 24-hour clock) and metropolitan French.
 */
export function intlTag(locale: string): string {
  if (locale === "en") return "en-GB";
  if (locale === "fr") return "fr-FR";
  return locale;
}
