/**
 * Light and dark themes. The colours are CSS custom properties in `globals.css`: the light
 * palette by default, the dark one when the system asks for it (`prefers-color-scheme: dark`)
 * unless the user chose otherwise. The choice (system, light or dark) is kept in the
 * `scribe_theme` cookie, which the root layout reads to render `<html data-theme="…">` (so the
 * first paint already has the right colours, without a script); the switch also applies it at
 * once in the page.
 */
import { PREFERENCE_MAX_AGE_SECONDS } from "@/i18n/config";

/** The choices of the theme switch. */
export const THEMES = ["system", "light", "dark"] as const;

/** One of {@link THEMES}. */
export type ThemePreference = (typeof THEMES)[number];

/** Cookie that keeps the theme chosen (no secret: set and read by the page too). */
export const THEME_COOKIE = "scribe_theme";

/** The preference stored in a cookie value; `system` for a missing or unknown value. */
export function parseTheme(value: unknown): ThemePreference {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value) ? (value as ThemePreference) : "system";
}

/**
 * The `data-theme` attribute of `<html>` for a preference: `light` or `dark` to force one,
 * `undefined` to follow the system.
 */
export function themeAttribute(theme: ThemePreference): "light" | "dark" | undefined {
  return theme === "system" ? undefined : theme;
}

/** The `document.cookie` assignment that stores `theme` for a year on the whole site. */
export function themeCookie(theme: ThemePreference): string {
  return `${THEME_COOKIE}=${theme}; Path=/; Max-Age=${PREFERENCE_MAX_AGE_SECONDS}; SameSite=Lax`;
}

/**
 * Store a preference and apply it to the page at once.
 *
 * @param theme The choice.
 * @param doc The document (tests pass jsdom's).
 */
export function applyTheme(theme: ThemePreference, doc: Document = document): void {
  doc.cookie = themeCookie(theme);
  const attribute = themeAttribute(theme);
  if (attribute) doc.documentElement.dataset.theme = attribute;
  else delete doc.documentElement.dataset.theme;
}
