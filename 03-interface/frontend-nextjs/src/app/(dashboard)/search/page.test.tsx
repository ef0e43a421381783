/**
 * The search page as the server renders it: what it asks the gateway, and what it shows for
 * results, an empty or over-long query, and a gateway error. The gateway call (`load`) and the
 * server-side translator are replaced; the components render with the real messages.
 */
import { render, screen } from "@testing-library/react";
import { createTranslator } from "next-intl";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AppLocale } from "@/i18n/config";
import { msg } from "@/i18n/message";
import type { GatewayClient } from "@/lib/api/client";
import { ApiError } from "@/lib/api/errors";
import type { SearchHit } from "@/lib/search";
import { IntlProvider, MESSAGES, translate } from "@/test/intl";
import SearchPage from "./page";

const server = vi.hoisted(() => ({ locale: "en" as "en" | "fr", load: vi.fn() }));
vi.mock("@/lib/api/server", () => ({ load: server.load }));
vi.mock("next-intl/server", () => ({
  getTranslations: async (namespace?: string) =>
    createTranslator({ locale: server.locale, messages: MESSAGES[server.locale], timeZone: "UTC", ...(namespace ? { namespace } : {}) } as never),
}));

const HIT: SearchHit = {
  meeting_id: "0b7e2c1a-1111-4222-8333-444455556666",
  title: "Sample call",
  segment_index: 3,
  start: 9.5,
  speaker: "SPEAKER_00",
  snippet: "we moved to <mark>Chicago</mark>",
};

async function renderPage(q: string | string[] | undefined, locale: AppLocale = "en") {
  server.locale = locale;
  const ui = await SearchPage({ searchParams: Promise.resolve(q === undefined ? {} : { q }) });
  return render(<IntlProvider locale={locale}>{ui}</IntlProvider>);
}

beforeEach(() => {
  server.load.mockReset();
});

describe("/search", () => {
  it("asks the gateway for the best 50 matches of the trimmed query and shows them", async () => {
    server.load.mockResolvedValue({ results: [HIT] });
    await renderPage("  chicago ");
    expect(server.load).toHaveBeenCalledTimes(1);
    const [call, next] = server.load.mock.calls[0]!;
    expect(next).toBe("/search?q=chicago");
    const GET = vi.fn();
    await call({ GET } as unknown as GatewayClient);
    expect(GET).toHaveBeenCalledWith("/api/v1/search", { params: { query: { q: "chicago", limit: 50 } } });

    expect(screen.getByRole("heading", { level: 1, name: "Search" })).toBeInTheDocument();
    expect(screen.getByRole("searchbox", { name: "Words to find" })).toHaveValue("chicago");
    expect(screen.getByRole("heading", { level: 2, name: "1 match for “chicago”" })).toBeInTheDocument();
    const link = screen.getByRole("link", { name: /Chicago/ });
    expect(link).toHaveAttribute("href", `/meetings/${HIT.meeting_id}?t=9.5&segment=3`);
    expect(link.querySelector("mark")).toHaveTextContent("Chicago");
  });

  it("renders in French", async () => {
    server.load.mockResolvedValue({ results: [HIT, { ...HIT, segment_index: 4, start: 12 }] });
    await renderPage("chicago", "fr");
    expect(screen.getByRole("heading", { level: 1, name: "Recherche" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: "2 résultats pour «\u00a0chicago\u00a0»" })).toBeInTheDocument();
    expect(screen.getAllByTestId("search-hit")).toHaveLength(2);
  });

  it("shows the empty state without calling the gateway", async () => {
    await renderPage(undefined);
    await renderPage("   ", "fr");
    expect(server.load).not.toHaveBeenCalled();
    expect(screen.getAllByTestId("search-empty")).toHaveLength(2);
  });

  it("shows the no-result state", async () => {
    server.load.mockResolvedValue({ results: [] });
    await renderPage("zeppelin");
    expect(screen.getByTestId("search-no-results")).toHaveTextContent("Nothing in your completed meetings matches “zeppelin”.");
  });

  it("refuses a query over 200 characters without calling the gateway", async () => {
    await renderPage("a".repeat(201), "fr");
    expect(server.load).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toContain(translate("fr", msg("search.errors.tooLong", { max: 200 })));
  });

  it("shows a gateway error as the sentence of its code, never the gateway's wording", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    server.load.mockRejectedValue(new ApiError("the query has more than 200 characters", 400, "bad_input"));
    await renderPage("budget");
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent(`The search failed. ${translate("en", msg("errors.bad_request"))}`);
    expect(alert).not.toHaveTextContent("more than 200");
    expect(screen.getByRole("searchbox")).toHaveValue("budget"); // to try again

    server.load.mockRejectedValue(new ApiError("The service is not reachable", 502, "service_unreachable"));
    await renderPage("budget", "fr");
    expect(screen.getAllByRole("alert")[1]!.textContent).toBe(`La recherche a échoué. ${translate("fr", msg("errors.service_unreachable"))}`);
    expect(log).toHaveBeenCalledWith(expect.stringContaining("search failed: 400 bad_input")); // the server log keeps the details
    log.mockRestore();
  });

  it("lets anything else through (the redirect to sign in, bugs)", async () => {
    const redirect = Object.assign(new Error("NEXT_REDIRECT"), { digest: "NEXT_REDIRECT;replace;/sign-in;307;" });
    server.load.mockRejectedValue(redirect);
    await expect(SearchPage({ searchParams: Promise.resolve({ q: "budget" }) })).rejects.toBe(redirect);
  });
});
