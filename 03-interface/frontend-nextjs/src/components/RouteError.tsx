"use client";
/**
 * Body of every route's `error.tsx`: what went wrong, a retry button, a way back. In production
 * builds Next.js hides server error messages; the digest lets an operator find the log line.
 */
import Link from "next/link";
import { useEffect } from "react";

export interface RouteErrorProps {
  /** The thrown value (an `Error` from server components; anything from client code). */
  error: unknown;
  /** Re-fetch and re-render the segment (Next.js `retry`). */
  retry: () => void;
  /** What the page was doing, e.g. "load your meetings". */
  what: string;
}

export function RouteError({ error, retry, what }: RouteErrorProps) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <section className="card" role="alert">
      <h1>Could not {what}</h1>
      <p>{digest ? "The server could not answer. The gateway may be down or restarting." : message}</p>
      {digest ? <p className="muted">Reference: {digest}</p> : null}
      <div className="row">
        <button type="button" onClick={() => retry()}>
          Try again
        </button>
        <Link href="/meetings" className="button secondary">
          Your meetings
        </Link>
      </div>
    </section>
  );
}
