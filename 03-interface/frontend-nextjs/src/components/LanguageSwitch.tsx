"use client";
/**
 * The language switch of the header (EN / FR): stores the choice in the `NEXT_LOCALE` cookie
 * through a Server Action, then refreshes the page, which the server renders again in that
 * language. The current language is the pressed button; each button shows the language's code
 * ("EN", "FR", hidden from assistive technologies) and is named by its language in that
 * language ("English", "Français", visually hidden text, so the name comes from the content and
 * never contradicts what is shown), titled with what it does.
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
          title={t(`switchTo.${locale}`)}
          disabled={pending}
          onClick={() => choose(locale)}
        >
          <span aria-hidden="true">{locale.toUpperCase()}</span>
          <span className="visually-hidden">{t(`names.${locale}`)}</span>
        </button>
      ))}
    </div>
  );
}
