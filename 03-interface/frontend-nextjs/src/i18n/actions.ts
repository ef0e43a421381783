"use server";
/**
 * Server Action of the language switch: remember the language in the `NEXT_LOCALE` cookie
 * (a year; readable by the error page's script, it holds no secret). The caller refreshes the
 * page, which is then rendered in that language.
 */
import { cookies } from "next/headers";
import { z } from "zod";
import { LOCALE_COOKIE, LOCALES, PREFERENCE_MAX_AGE_SECONDS } from "./config";

const localeSchema = z.enum(LOCALES);

/**
 * Set the dashboard's language for this browser.
 *
 * @param locale `en` or `fr`.
 * @returns `true` when stored, `false` for any other value (nothing is changed).
 */
export async function setLocale(locale: unknown): Promise<boolean> {
  const parsed = localeSchema.safeParse(locale);
  if (!parsed.success) return false;
  (await cookies()).set(LOCALE_COOKIE, parsed.data, {
    path: "/",
    sameSite: "lax",
    maxAge: PREFERENCE_MAX_AGE_SECONDS,
  });
  return true;
}
