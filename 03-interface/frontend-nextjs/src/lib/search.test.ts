import { describe, expect, it } from "vitest";
import { translate } from "@/test/intl";
import { groupByMeeting, hitHref, MAX_QUERY_CHARS, parseSnippet, readQuery, type SearchHit, searchHref, unescapeHtml } from "./search";

describe("parseSnippet", () => {
  it("splits text and matched words", () => {
    expect(parseSnippet("… we agreed on the <mark>budget</mark> for <mark>Chicago</mark> …")).toEqual([
      { text: "… we agreed on the ", mark: false },
      { text: "budget", mark: true },
      { text: " for ", mark: false },
      { text: "Chicago", mark: true },
      { text: " …", mark: false },
    ]);
  });

  it("unescapes the five entities of html.escape, in the text and in the marks", () => {
    expect(parseSnippet("Q3 &amp; Q4 &lt;draft&gt; &quot;final&quot; l&#x27;<mark>équipe</mark> &#39;ok&#39;")).toEqual([
      { text: "Q3 & Q4 <draft> \"final\" l'", mark: false },
      { text: "équipe", mark: true },
      { text: " 'ok'", mark: false },
    ]);
    expect(parseSnippet("<mark>R&amp;D</mark>")).toEqual([{ text: "R&D", mark: true }]);
  });

  it("unescapes once: an escaped entity stays an entity", () => {
    expect(unescapeHtml("&amp;lt;b&amp;gt; &amp;amp;")).toBe("&lt;b&gt; &amp;");
    expect(unescapeHtml("&nbsp; &copy; & &#60;")).toBe("&nbsp; &copy; & &#60;");
  });

  it("keeps hostile markup as text", () => {
    const parts = parseSnippet('<script>alert(1)</script> <img src=x onerror="alert(2)"> <mark>ok</mark>');
    expect(parts).toEqual([
      { text: '<script>alert(1)</script> <img src=x onerror="alert(2)"> ', mark: false },
      { text: "ok", mark: true },
    ]);
    // What the gateway really sends for a transcript that says "<script>": escaped text.
    expect(parseSnippet("&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;")).toEqual([
      { text: "<script>", mark: false },
      { text: "alert", mark: true },
      { text: "(1)</script>", mark: false },
    ]);
  });

  it("treats an escaped <mark> as text", () => {
    expect(parseSnippet("say &lt;mark&gt;hi&lt;/mark&gt;")).toEqual([{ text: "say <mark>hi</mark>", mark: false }]);
  });

  it("copes with unbalanced, nested, empty and adjacent marks", () => {
    expect(parseSnippet("a <mark>b")).toEqual([
      { text: "a ", mark: false },
      { text: "b", mark: true },
    ]);
    expect(parseSnippet("a</mark> b")).toEqual([{ text: "a b", mark: false }]);
    expect(parseSnippet("<mark>a <mark>b</mark> c</mark> d")).toEqual([
      { text: "a b c", mark: true },
      { text: " d", mark: false },
    ]);
    expect(parseSnippet("<mark></mark>x<mark>y</mark><mark>z</mark>")).toEqual([
      { text: "x", mark: false },
      { text: "yz", mark: true },
    ]);
    expect(parseSnippet("")).toEqual([]);
  });
});

describe("readQuery", () => {
  it("trims the query and takes the first of repeated values", () => {
    expect(readQuery("  budget review ")).toEqual({ q: "budget review" });
    expect(readQuery(["first", "second"])).toEqual({ q: "first" });
    expect(readQuery(undefined)).toEqual({ q: "" });
    expect(readQuery([])).toEqual({ q: "" });
  });

  it("accepts 200 characters and refuses 201, counting code points", () => {
    expect(readQuery("a".repeat(MAX_QUERY_CHARS)).problem).toBeUndefined();
    expect(readQuery("😀".repeat(MAX_QUERY_CHARS)).problem).toBeUndefined(); // 400 UTF-16 units
    const { problem } = readQuery("a".repeat(MAX_QUERY_CHARS + 1));
    expect(problem).toBeDefined();
    expect(translate("en", problem!)).toBe("Search for at most 200 characters.");
    expect(translate("fr", problem!)).toMatch(/200/);
  });
});

describe("searchHref", () => {
  it("encodes the query", () => {
    expect(searchHref('"next week" & more')).toBe("/search?q=%22next+week%22+%26+more");
    expect(searchHref("  ")).toBe("/search");
  });
});

const hit = (overrides: Partial<SearchHit>): SearchHit => ({
  meeting_id: "m1",
  title: "Weekly sync",
  segment_index: 0,
  start: 0,
  speaker: "SPEAKER_00",
  snippet: "",
  ...overrides,
});

describe("groupByMeeting", () => {
  it("orders meetings by their best hit and keeps the rank within each", () => {
    const results = [
      hit({ meeting_id: "b", title: "B", segment_index: 4 }),
      hit({ meeting_id: "a", title: "A", segment_index: 9 }),
      hit({ meeting_id: "b", title: "B", segment_index: 1 }),
      hit({ meeting_id: "a", title: "A", segment_index: 2 }),
    ];
    expect(groupByMeeting(results).map((g) => [g.meetingId, g.title, g.hits.map((h) => h.segment_index)])).toEqual([
      ["b", "B", [4, 1]],
      ["a", "A", [9, 2]],
    ]);
    expect(groupByMeeting([])).toEqual([]);
  });
});

describe("hitHref", () => {
  it("links to the utterance and its start", () => {
    expect(hitHref({ meeting_id: "0b7e2c1a-1111", start: 12.3456789, segment_index: 7 })).toBe("/meetings/0b7e2c1a-1111?t=12.346&segment=7");
    expect(hitHref({ meeting_id: "x/y", start: 0, segment_index: 0 })).toBe("/meetings/x%2Fy?t=0&segment=0");
    expect(hitHref({ meeting_id: "m", start: -1, segment_index: 3 })).toBe("/meetings/m?t=0&segment=3");
  });
});
