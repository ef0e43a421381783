/**
 * The header's language and theme switches, as the dashboard and the sign-in pages show them
 * (a server component: it reads the theme cookie and hands the Server Action to the switch).
 */
import { cookies } from "next/headers";
import { setLocale } from "@/i18n/actions";
import { parseTheme, THEME_COOKIE } from "@/lib/theme";
import { LanguageSwitch } from "./LanguageSwitch";
import { ThemeSwitch } from "./ThemeSwitch";

export async function Preferences() {
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <div className="preferences">
      <LanguageSwitch action={setLocale} />
      <ThemeSwitch initial={theme} />
    </div>
  );
}
