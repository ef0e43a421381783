import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { msg } from "@/i18n/message";
import { ApiError, describeError } from "@/lib/api/errors";
import type { SearchHit } from "@/lib/search";
import { renderWithIntl, translate } from "@/test/intl";
import { SearchForm, SearchResults } from "./SearchResults";

/** Text as Testing Library compares it: (non-breaking) spaces collapsed to one space. */
const plain = (text: string) => text.replace(/\s+/g, " ");

const SYNC = "0b7e2c1a-1111-4222-8333-444455556666";
const CALL = "9d1f0c3b-aaaa-4bbb-8ccc-ddddeeeeffff";

const RESULTS: SearchHit[] = [
  { meeting_id: SYNC, title: "Weekly sync", segment_index: 7, start: 72.48, speaker: "Diane Lopez", snippet: "… the <mark>budget</mark> for Q3 &amp; Q4 …" },
  { meeting_id: CALL, title: "Sample call", segment_index: 2, start: 5.2, speaker: "SPEAKER_01", snippet: "&lt;script&gt;alert(1)&lt;/script&gt; <mark>budgets</mark>" },
  { meeting_id: SYNC, title: "Weekly sync", segment_index: 1, start: 3601, speaker: "SPEAKER_00", snippet: "l&#x27;<mark>budget</mark> &quot;final&quot;" },
];

describe("SearchResults", () => {
  it("groups the hits by meeting, each linking to its utterance with the matched words marked", () => {
    const { container } = renderWithIntl(<SearchResults query="budget" results={RESULTS} limit={50} />);
    expect(screen.getByRole("heading", { level: 2, name: "3 matches for “budget”" })).toBeInTheDocument();
    const groups = screen.getAllByTestId("search-group");
    expect(groups.map((g) => within(g).getByRole("heading", { level: 3 }).textContent)).toEqual(["Weekly sync", "Sample call"]);
    expect(within(groups[0]!).getByRole("link", { name: "Weekly sync" })).toHaveAttribute("href", `/meetings/${SYNC}`);

    const sync = within(groups[0]!).getByRole("list", { name: "Matches in “Weekly sync”" });
    const hits = within(sync).getAllByRole("link");
    expect(hits.map((a) => a.getAttribute("href"))).toEqual([`/meetings/${SYNC}?t=72.48&segment=7`, `/meetings/${SYNC}?t=3601&segment=1`]);
    expect(hits[0]).toHaveTextContent("1:12Diane Lopez… the budget for Q3 & Q4 …");
    expect(hits[1]).toHaveTextContent("1:00:01SPEAKER_00l'budget \"final\"");
    expect([...container.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["budget", "budget", "budgets"]);
    expect(screen.queryByText(/best matches are shown/)).not.toBeInTheDocument();
  });

  it("shows markup in a transcript as text", () => {
    const { container } = renderWithIntl(<SearchResults query="budget" results={RESULTS} limit={50} />);
    const call = screen.getAllByTestId("search-hit").find((li) => li.dataset.segment === "2")!;
    expect(call).toHaveTextContent("<script>alert(1)</script> budgets");
    expect(container.querySelector("script")).toBeNull();
  });

  it("says so when the limit was reached", () => {
    renderWithIntl(<SearchResults query="budget" results={RESULTS} limit={3} />);
    expect(screen.getByText("Only the 3 best matches are shown: add words to narrow the search.")).toBeInTheDocument();
  });

  it("renders in French", () => {
    renderWithIntl(<SearchResults query="budget" results={RESULTS} limit={3} />, { locale: "fr" });
    expect(screen.getByRole("heading", { level: 2, name: "3 résultats pour «\u00a0budget\u00a0»" })).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Résultats dans «\u00a0Sample call\u00a0»" })).toBeInTheDocument();
    expect(screen.getByText(/Seuls les 3 meilleurs résultats sont affichés/)).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Résultats par réunion" })).toBeInTheDocument();
  });

  it("shows one match in the singular", () => {
    renderWithIntl(<SearchResults query="q3" results={RESULTS.slice(0, 1)} limit={50} />);
    expect(screen.getByRole("heading", { level: 2, name: "1 match for “q3”" })).toBeInTheDocument();
  });

  it("explains the syntax before any search", () => {
    renderWithIntl(<SearchResults query="" results={null} limit={50} />);
    expect(screen.getByTestId("search-empty")).toHaveTextContent("Type the words you are looking for");
    expect(screen.getByRole("heading", { name: "How to search" })).toBeInTheDocument();
    expect(screen.getByText('"next week"').tagName).toBe("CODE");
    expect(screen.getByText("budget -travel").tagName).toBe("CODE");
    expect(screen.queryByTestId("search-no-results")).not.toBeInTheDocument();
  });

  it("says nothing matched, with a hint, in English and French", () => {
    renderWithIntl(<SearchResults query="zeppelin" results={[]} limit={50} />);
    const none = screen.getByTestId("search-no-results");
    expect(none).toHaveTextContent("Nothing in your completed meetings matches “zeppelin”.");
    expect(none).toHaveTextContent(/Try fewer words/);
    expect(within(none).getByText("Chicago or Denver").tagName).toBe("CODE");
    expect(screen.queryByRole("list")).toBeInTheDocument(); // the syntax list only
    expect(screen.queryByTestId("search-hit")).not.toBeInTheDocument();

    renderWithIntl(<SearchResults query="zeppelin" results={[]} limit={50} />, { locale: "fr" });
    expect(screen.getByText(plain("Rien dans vos réunions terminées ne correspond à «\u00a0zeppelin\u00a0»."))).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Comment chercher" })).toBeInTheDocument();
  });

  it("shows an error as a sentence in the user's language", () => {
    const error = describeError(new ApiError("q: String should have at most 200 characters", 422, "invalid_request"));
    renderWithIntl(<SearchResults query="budget" results={null} limit={50} error={error} />, { locale: "fr" });
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("La recherche a échoué.");
    expect(alert).toHaveTextContent(plain(translate("fr", msg("errors.invalid_request"))));
    expect(alert).not.toHaveTextContent("String should have");
  });
});

describe("SearchForm", () => {
  it("is a labelled GET form to /search holding the query, limited to 200 characters", () => {
    renderWithIntl(<SearchForm query="budget review" />);
    const form = screen.getByRole("search", { name: "Search" });
    expect(form.getAttribute("action")).toMatch(/\/search$/);
    expect(form.getAttribute("method") ?? "get").toMatch(/^get$/i);
    const input = screen.getByRole("searchbox", { name: "Words to find" });
    expect(input).toHaveValue("budget review");
    expect(input).toHaveAttribute("name", "q");
    expect(input).toHaveAttribute("maxlength", "200");
    expect(screen.getByRole("button", { name: "Search" })).toHaveAttribute("type", "submit");
  });

  it("speaks French", () => {
    renderWithIntl(<SearchForm query="" />, { locale: "fr" });
    expect(screen.getByRole("search", { name: "Recherche" })).toBeInTheDocument();
    expect(screen.getByRole("searchbox", { name: "Mots à chercher" })).toHaveValue("");
    expect(screen.getByRole("button", { name: "Rechercher" })).toBeInTheDocument();
  });
});
