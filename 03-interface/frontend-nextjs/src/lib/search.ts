/**
 * Transcript search as the dashboard shows it (`GET /api/v1/search?q=…&limit=…`, answered as
 * `{results: [{meeting_id, title, segment_index, start, speaker, snippet}]}`, best first):
 * reading the query from the URL, turning the gateway's HTML snippet into text and `<mark>`
 * parts without ever handing HTML to the browser, grouping the hits by meeting, and the link
 * from a hit to its utterance. Pure functions, no I/O.
 */
import { type Message, msg } from "@/i18n/message";
import type { Schemas } from "./api/client";

/** One utterance that matches the query (`SearchResult` of the gateway). */
export type SearchHit = Schemas["SearchResult"];

/** The longest query the gateway accepts, in characters (`scribe_core.search.MAX_QUERY_CHARS`). */
export const MAX_QUERY_CHARS = 200;

/** How many hits the search page asks for (the gateway's maximum, `MAX_LIMIT`). */
export const SEARCH_LIMIT = 50;

/** A run of snippet text, highlighted (`mark`) when it is a matched word. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

/** The five entities `html.escape` writes (the gateway escapes every character of the text). */
const ENTITIES: Readonly<Record<string, string>> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#x27;": "'",
  "&#39;": "'",
};
const ENTITY = /&(?:amp|lt|gt|quot|#x27|#39);/g;
const MARK_TAG = /<(\/?)mark>/gi;

/**
 * Text of escaped HTML: the five entities the server produces become their characters, in
 * one pass (`&amp;lt;` reads `&lt;`, not `<`); anything else, tags included, stays as it is.
 *
 * @param escaped Text escaped by Python's `html.escape`.
 */
export function unescapeHtml(escaped: string): string {
  return escaped.replace(ENTITY, (entity) => ENTITIES[entity] ?? entity);
}

/**
 * The parts of a search snippet, to render as text and `<mark>` elements (never as HTML).
 *
 * Only `<mark>` and `</mark>` are markup; every other character is text, so a `<script>` or
 * `<img onerror>` in a snippet renders as those characters. Entities are unescaped within each
 * part (an escaped `&lt;mark&gt;` is the text `<mark>`). An unclosed `<mark>` highlights to
 * the end, a stray `</mark>` is dropped, nested marks count as one. Empty parts are left out
 * and neighbours of the same kind joined.
 *
 * @param snippet The gateway's `snippet`, e.g. `… the <mark>budget</mark> for Q3 &amp; Q4 …`.
 * @returns e.g. `[{text: "… the ", mark: false}, {text: "budget", mark: true}, {text: " for Q3 & Q4 …", mark: false}]`.
 */
export function parseSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (raw: string, mark: boolean) => {
    const text = unescapeHtml(raw);
    if (!text) return;
    const last = parts.at(-1);
    if (last && last.mark === mark) last.text += text;
    else parts.push({ text, mark });
  };
  let depth = 0;
  let cursor = 0;
  for (const tag of snippet.matchAll(MARK_TAG)) {
    push(snippet.slice(cursor, tag.index), depth > 0);
    cursor = tag.index + tag[0].length;
    depth = tag[1] ? Math.max(0, depth - 1) : depth + 1;
  }
  push(snippet.slice(cursor), depth > 0);
  return parts;
}

/** The query of a search page URL and whether it can be sent. */
export interface SearchQuery {
  /** The query as typed, trimmed (`""` when there is none). */
  q: string;
  /** Why it cannot be sent (too long), or undefined. */
  problem?: Message | undefined;
}

/**
 * The query of `/search?q=…` from the page's search params.
 *
 * @param value `searchParams.q`: a string, the first of repeated values, or nothing.
 * @returns The trimmed query; with `problem` (`search.errors.tooLong`) when it has more than
 *   {@link MAX_QUERY_CHARS} characters (counted as the gateway counts them: code points).
 */
export function readQuery(value: string | readonly string[] | undefined): SearchQuery {
  const raw = typeof value === "string" ? value : (value?.[0] ?? "");
  const q = raw.trim();
  if ([...q].length > MAX_QUERY_CHARS) return { q, problem: msg("search.errors.tooLong", { max: MAX_QUERY_CHARS }) };
  return { q };
}

/** The path of the search page for a query (`/search` alone for an empty one). */
export function searchHref(q: string): string {
  const query = q.trim();
  return query ? `/search?${new URLSearchParams({ q: query }).toString()}` : "/search";
}

/** Hits of one meeting, in the order the gateway ranked them. */
export interface MeetingHits {
  meetingId: string;
  title: string;
  hits: SearchHit[];
}

/**
 * The hits grouped by meeting: meetings in the order of their best hit, each meeting's hits
 * in rank order.
 *
 * @param results The gateway's `results`, best first.
 */
export function groupByMeeting(results: readonly SearchHit[]): MeetingHits[] {
  const groups = new Map<string, MeetingHits>();
  for (const hit of results) {
    let group = groups.get(hit.meeting_id);
    if (!group) {
      group = { meetingId: hit.meeting_id, title: hit.title, hits: [] };
      groups.set(hit.meeting_id, group);
    }
    group.hits.push(hit);
  }
  return [...groups.values()];
}

/**
 * The meeting page at a hit: `/meetings/{id}?t={start}&segment={index}`, which scrolls to the
 * utterance and seeks the player there.
 *
 * @param hit A search hit (`start` in seconds, kept to the millisecond).
 */
export function hitHref(hit: Pick<SearchHit, "meeting_id" | "start" | "segment_index">): string {
  const start = Number.isFinite(hit.start) && hit.start > 0 ? Math.round(hit.start * 1000) / 1000 : 0;
  return `/meetings/${encodeURIComponent(hit.meeting_id)}?t=${start}&segment=${hit.segment_index}`;
}
