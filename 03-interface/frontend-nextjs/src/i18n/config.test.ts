import { describe, expect, it } from "vitest";
import { acceptedLanguages, intlTag, isLocale, negotiateLocale } from "./config";

describe("negotiateLocale", () => {
  it.each([
    [undefined, "fr-FR,fr;q=0.9,en;q=0.8", "fr"],
    [undefined, "fr-CA", "fr"],
    [undefined, "en-GB,en;q=0.9", "en"],
    [undefined, "en-US,fr;q=0.5", "en"],
    [undefined, "de-DE,fr;q=0.8,en;q=0.5", "fr"], // first language the dashboard has
    [undefined, "de-DE,ja;q=0.8", "en"],
    [undefined, "en;q=0.2, fr;q=0.9", "fr"], // by weight, not by order
    [undefined, "fr;q=0, en", "en"], // q=0: not acceptable
    [undefined, "", "en"],
    [undefined, null, "en"],
    ["fr", "en-GB", "fr"], // the cookie wins
    ["en", "fr-FR", "en"],
    ["de", "fr-FR", "fr"], // an unknown cookie is ignored
  ])("cookie %s, Accept-Language %s → %s", (cookie, header, expected) => {
    expect(negotiateLocale(cookie, header)).toBe(expected);
  });
});

describe("locale helpers", () => {
  it("parses Accept-Language, knows the languages and their Intl tags", () => {
    expect(acceptedLanguages("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5")).toEqual(["fr-ch", "fr", "en", "*"]);
    expect(isLocale("fr")).toBe(true);
    expect(isLocale("FR")).toBe(false);
    expect(intlTag("en")).toBe("en-GB");
    expect(intlTag("fr")).toBe("fr-FR");
  });
});
