import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { SearchForm, SearchResults } from "@/components/SearchResults";
import type { Message } from "@/i18n/message";
import { ApiError, describeError } from "@/lib/api/errors";
import { load } from "@/lib/api/server";
import { readQuery, SEARCH_LIMIT, type SearchHit, searchHref } from "@/lib/search";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("search") };
}

/**
 * `/search?q=…`: the search form and the utterances of the user's completed meetings that match
 * `q` (`GET /api/v1/search`, the best {@link SEARCH_LIMIT}), grouped by meeting. A query the
 * gateway would refuse (over 200 characters) is not sent; a gateway error is shown as the
 * sentence of its code on the page, with the form to try again (a 401 goes to sign in).
 */
export default async function SearchPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { q, problem } = readQuery((await searchParams).q);
  let results: SearchHit[] | null = null;
  let error: Message | undefined = problem;
  if (q && !problem) {
    try {
      const data = await load((gw) => gw.GET("/api/v1/search", { params: { query: { q, limit: SEARCH_LIMIT } } }), searchHref(q));
      results = data.results;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err; // redirects (no session) and bugs
      console.error(`search failed: ${err.status} ${err.code ?? ""} ${err.message}`);
      error = describeError(err);
    }
  }
  const t = await getTranslations("search");
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <section className="card">
        <SearchForm query={q} />
      </section>
      <SearchResults query={q} results={results} limit={SEARCH_LIMIT} error={error} />
    </>
  );
}
