"use client";
/**
 * Body of every route's `error.tsx`: what went wrong, a retry button, a way back. In production
 * builds Next.js hides server error messages; the digest lets an operator find the log line.
 * The user reads a sentence in their language: for an error thrown in the browser, the one of
 * its code (`describeError`); for a server error, that the server could not answer. Never the
 * error's own text.
 */
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import { useMessageText } from "@/i18n/text";
import { describeError } from "@/lib/api/errors";

/** What the page was doing: `routeError.titles.<what>` ("Could not load your meetings"). */
export type RouteErrorWhat = "page" | "meetings" | "meeting" | "voiceBank" | "apiKeys";

export interface RouteErrorProps {
  /** The thrown value (an `Error` from server components; anything from client code). */
  error: unknown;
  /** Re-fetch and re-render the segment (Next.js `retry`). */
  retry: () => void;
  /** What the page was doing. */
  what: RouteErrorWhat;
}

export function RouteError({ error, retry, what }: RouteErrorProps) {
  const t = useTranslations("routeError");
  const text = useMessageText();
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <section className="card" role="alert">
      <h1>{t(`titles.${what}`)}</h1>
      <p>{digest ? t("serverDown") : text(describeError(error))}</p>
      {digest ? <p className="muted">{t("reference", { digest })}</p> : null}
      <div className="row">
        <button type="button" onClick={() => retry()}>
          {t("retry")}
        </button>
        <Link href="/meetings" className="button secondary">
          {t("back")}
        </Link>
      </div>
    </section>
  );
}
