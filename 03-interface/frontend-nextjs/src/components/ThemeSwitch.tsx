"use client";
/**
 * The theme switch of the header: follow the system (`prefers-color-scheme`), or force the
 * light or the dark colours. Applied at once and kept in the `scribe_theme` cookie, which the
 * root layout reads on the next visit (see `lib/theme.ts`).
 */
import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import { applyTheme, parseTheme, THEMES, type ThemePreference } from "@/lib/theme";

export interface ThemeSwitchProps {
  /** The preference the page was rendered with (from the cookie). */
  initial: ThemePreference;
  /** Stores and applies a preference (default: cookie and `<html data-theme>`; tests inject). */
  apply?: (theme: ThemePreference) => void;
}

export function ThemeSwitch({ initial, apply = applyTheme }: ThemeSwitchProps) {
  const t = useTranslations("theme");
  const id = useId();
  const [theme, setTheme] = useState<ThemePreference>(initial);
  return (
    <div className="theme-switch">
      <label htmlFor={id} className="visually-hidden">
        {t("label")}
      </label>
      <select
        id={id}
        value={theme}
        onChange={(e) => {
          const next = parseTheme(e.target.value);
          setTheme(next);
          apply(next);
        }}
      >
        {THEMES.map((option) => (
          <option key={option} value={option}>
            {t(option)}
          </option>
        ))}
      </select>
    </div>
  );
}
