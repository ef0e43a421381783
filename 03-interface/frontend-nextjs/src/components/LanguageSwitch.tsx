"use client";
/**
 * The language switch of the header (EN / FR): stores the choice in the `NEXT_LOCALE` cookie
 * through a Server Action, then refreshes the page, which the server renders again in that
 * language. The current language is the pressed button; each button is named by its language
 * in that language ("English", "Français") and titled with what it does.
 *
 * The pair has no group label on purpose: the page's other "Language" field (the recording's
 * language, in the upload form) must stay the only element labelled so.
 */
import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { useTransition } from "react";
import { type AppLocale, LOCALES } from "@/i18n/config";

export interface LanguageSwitchProps {
  /** Stores the language (the `setLocale` Server Action; injectable for tests). */
  action: (locale: AppLocale) => Promise<boolean>;
}

export function LanguageSwitch({ action }: LanguageSwitchProps) {
  const t = useTranslations("language");
  const current = useLocale();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const choose = (locale: AppLocale) => {
    if (locale === current) return;
    startTransition(async () => {
      if (await action(locale)) router.refresh();
    });
  };
  return (
    <div className="switch" aria-busy={pending || undefined}>
      {LOCALES.map((locale) => (
        <button
          key={locale}
          type="button"
          lang={locale}
          className="secondary"
          aria-pressed={locale === current}
          aria-label={t(`names.${locale}`)}
          title={t(`switchTo.${locale}`)}
          disabled={pending}
          onClick={() => choose(locale)}
        >
          {locale.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
