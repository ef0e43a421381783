/**
 * The body of the search page (`/search?q=…`): its form, then what the query found — the hits
 * grouped by meeting (the meeting's title, then each utterance's time, speaker and snippet with
 * the matched words highlighted, linking to the utterance on the meeting page), or the empty
 * state, the no-result state with the query syntax, or the error's sentence.
 *
 * Not a client component: the page renders it on the server; it needs no JavaScript (the form
 * is a GET form, `next/form` only makes it navigate without a full reload when scripts run).
 * Snippets are rendered as text and `<mark>` elements (`parseSnippet`), never as HTML.
 */
import Form from "next/form";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { type ReactNode, useId } from "react";
import type { Message } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { formatTimestamp } from "@/lib/format";
import { groupByMeeting, hitHref, parseSnippet, type SearchHit } from "@/lib/search";
import { QUERY_INPUT } from "./SearchInput";
import "./Search.css";

/** The search form: one field, `q`, submitted with GET to `/search`. */
export function SearchForm({ query }: { query: string }) {
  const t = useTranslations("search");
  const id = useId();
  return (
    <Form action="/search" role="search" aria-label={t("title")} className="search-form">
      <label htmlFor={id}>{t("label")}</label>
      <div className="search-row">
        {/* key: a new query (client navigation) resets the field to it. */}
        <input
          key={query}
          id={id}
          {...QUERY_INPUT}
          defaultValue={query}
          autoFocus={!query}
        />
        <button type="submit">{t("submit")}</button>
      </div>
    </Form>
  );
}

/** How to write a query: words, "a phrase", `or`, `-word`. */
export function SearchSyntax() {
  const t = useTranslations("search.syntax");
  const code = (chunks: ReactNode) => <code>{chunks}</code>;
  return (
    <div className="search-syntax">
      <h2>{t("title")}</h2>
      <ul>
        <li>{t.rich("words", { code })}</li>
        <li>{t.rich("phrase", { code })}</li>
        <li>{t.rich("or", { code })}</li>
        <li>{t.rich("exclude", { code })}</li>
      </ul>
    </div>
  );
}

/** A snippet as text with the matched words in `<mark>`. */
export function Snippet({ html }: { html: string }) {
  return (
    <>
      {parseSnippet(html).map((part, i) => (part.mark ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </>
  );
}

export interface SearchResultsProps {
  /** The query (trimmed; `""` before any search). */
  query: string;
  /** The gateway's results, best first; `null` when nothing was asked (empty or refused query, error). */
  results: readonly SearchHit[] | null;
  /** How many results were asked for: reaching it means there may be more. */
  limit: number;
  /** Why the search could not be done (a refused query, a gateway error), or undefined. */
  error?: Message | undefined;
}

/** What a query found, or why there is nothing to show. */
export function SearchResults({ query, results, limit, error }: SearchResultsProps) {
  const t = useTranslations("search");
  const text = useMessageText();
  if (error) {
    return (
      <div className="alert error" role="alert" data-testid="search-error">
        <strong>{t("failed")}</strong> {text(error)}
      </div>
    );
  }
  if (!query || results === null) {
    return (
      <section className="card search-empty" data-testid="search-empty">
        <p>{t("empty")}</p>
        <SearchSyntax />
      </section>
    );
  }
  if (results.length === 0) {
    return (
      <section className="card search-empty" data-testid="search-no-results">
        <p>
          <strong>{t("noResults", { query })}</strong>
        </p>
        <p className="muted">{t("noResultsHint")}</p>
        <SearchSyntax />
      </section>
    );
  }
  const groups = groupByMeeting(results);
  return (
    <section aria-labelledby="search-count">
      <h2 id="search-count">{t("resultCount", { count: results.length, query })}</h2>
      {results.length >= limit ? <p className="muted">{t("limited", { count: results.length })}</p> : null}
      <ol className="search-groups" aria-label={t("resultsLabel")}>
        {groups.map((group) => (
          <li key={group.meetingId} className="card search-group" data-testid="search-group" data-meeting-id={group.meetingId}>
            <h3>
              <Link href={`/meetings/${encodeURIComponent(group.meetingId)}`}>{group.title}</Link>
            </h3>
            <ol className="search-hits" aria-label={t("hitsLabel", { title: group.title })}>
              {group.hits.map((hit) => (
                <li key={hit.segment_index} className="search-hit" data-testid="search-hit" data-segment={hit.segment_index}>
                  <Link href={hitHref(hit)}>
                    <span className="time">{formatTimestamp(hit.start)}</span>
                    <span className="speaker">{hit.speaker}</span>
                    <span className="snippet">
                      <Snippet html={hit.snippet} />
                    </span>
                  </Link>
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ol>
    </section>
  );
}
