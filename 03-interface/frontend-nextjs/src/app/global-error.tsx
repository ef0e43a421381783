"use client";
/**
 * Last-resort error page, used when the root layout itself failed: it renders its own
 * `<html>`, outside the translations provider, so it carries its few sentences in both
 * languages and picks one from the `NEXT_LOCALE` cookie, else the browser's language.
 */
import { negotiateLocale } from "@/i18n/config";

const TEXT = {
  en: { title: "Error · Meeting Scribe", heading: "Something went wrong", retry: "Try again" },
  fr: { title: "Erreur · Meeting Scribe", heading: "Une erreur s’est produite", retry: "Réessayer" },
} as const;

function browserLocale() {
  if (typeof document === "undefined") return "en";
  const cookie = document.cookie.match(/(?:^|;\s*)NEXT_LOCALE=([^;]*)/)?.[1];
  return negotiateLocale(cookie, navigator.languages?.join(",") || navigator.language);
}

export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  const locale = browserLocale();
  const text = TEXT[locale];
  return (
    <html lang={locale}>
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
        <title>{text.title}</title>
        <h1>{text.heading}</h1>
        <button type="button" onClick={() => retry()}>
          {text.retry}
        </button>
      </body>
    </html>
  );
}
