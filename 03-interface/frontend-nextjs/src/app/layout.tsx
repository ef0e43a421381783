import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { parseTheme, THEME_COOKIE, themeAttribute } from "@/lib/theme";
import "./globals.css";

/** Title and description in the request's language. */
export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("metadata");
  return {
    title: { default: t("appName"), template: `%s · ${t("appName")}` },
    description: t("description"),
    robots: { index: false, follow: false },
  };
}

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#1f5fbf" },
    { media: "(prefers-color-scheme: dark)", color: "#10161f" },
  ],
};

/**
 * Every page: `<html lang>` in the request's language (cookie, then `Accept-Language`), the
 * theme the user forced (`data-theme`; none follows the system), and the messages for client
 * components (`NextIntlClientProvider` inherits them from `src/i18n/request.ts`).
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const [locale, t, jar] = await Promise.all([getLocale(), getTranslations("common"), cookies()]);
  const theme = themeAttribute(parseTheme(jar.get(THEME_COOKIE)?.value));
  return (
    <html lang={locale} data-theme={theme}>
      <body>
        <NextIntlClientProvider>
          <a href="#main" className="skip-link">
            {t("skipToContent")}
          </a>
          {children}
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
