/**
 * Test helpers for translated components: render inside `NextIntlClientProvider` with the
 * real English or French messages (the same files the app loads), and translate a
 * {@link Message} outside React.
 *
 * ```tsx
 * renderWithIntl(<Uploader maxBytes={1e9} />);               // English
 * renderWithIntl(<Uploader maxBytes={1e9} />, { locale: "fr" });
 * expect(translate("fr", msg("errors.no_audio_stream"))).toMatch(/piste audio/);
 * ```
 */
import { render, type RenderOptions, type RenderResult } from "@testing-library/react";
import { createTranslator, NextIntlClientProvider } from "next-intl";
import type { ReactElement, ReactNode } from "react";
import en from "../../messages/en.json";
import fr from "../../messages/fr.json";
import type { AppLocale } from "@/i18n/config";
import type { Message } from "@/i18n/message";

/** The messages of each language, as the app loads them. */
export const MESSAGES: Record<AppLocale, typeof en> = { en, fr };

/** The provider the app's root layout sets up, for `locale` (time zone UTC, as on the server). */
export function IntlProvider({ locale = "en", children }: { locale?: AppLocale; children: ReactNode }) {
  return (
    <NextIntlClientProvider locale={locale} messages={MESSAGES[locale]} timeZone="UTC">
      {children}
    </NextIntlClientProvider>
  );
}

/**
 * `render` from Testing Library, inside {@link IntlProvider} (`rerender` keeps the provider).
 *
 * @param ui The element to render.
 * @param options `locale` (default `en`) and any other `render` option.
 */
export function renderWithIntl(ui: ReactElement, { locale = "en", ...options }: { locale?: AppLocale } & Omit<RenderOptions, "wrapper"> = {}): RenderResult {
  return render(ui, {
    wrapper: ({ children }) => <IntlProvider locale={locale}>{children}</IntlProvider>,
    ...options,
  });
}

/**
 * The text of a {@link Message} in `locale`.
 *
 * @throws When the key does not exist in that language's messages.
 */
export function translate(locale: AppLocale, message: Message): string {
  const t = createTranslator({
    locale,
    messages: MESSAGES[locale],
    timeZone: "UTC",
    onError: (error) => {
      throw error;
    },
  }) as unknown as (key: string, values?: Message["values"]) => string;
  return t(message.key, message.values);
}
