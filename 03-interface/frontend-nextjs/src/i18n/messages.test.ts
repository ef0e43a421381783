// @vitest-environment node
/**
 * The message catalogues: English and French have the same keys, every message parses as ICU
 * and uses the same placeholders and tags in both languages, and every error code the
 * gateway, the core or the worker can send has a sentence in both.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import en from "../../messages/en.json";
import fr from "../../messages/fr.json";
import { ERROR_CODES, FAILURE_CODES } from "@/lib/api/errors";
import { REPO_ROOT } from "@/test/eval";

type Tree = { [key: string]: string | Tree };

/** Every `a.b.c` key with its message. */
function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(full, value);
    else for (const [k, v] of flatten(value, full)) out.set(k, v);
  }
  return out;
}

const EN = flatten(en);
const FR = flatten(fr);

/** The ICU argument names (`{name}`, `{count, plural, …}`) and rich-text tags of a message. */
function placeholders(message: string): string[] {
  const args = [...message.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*[,}]/g)].map((m) => `{${m[1]}}`);
  const tags = [...message.matchAll(/<([A-Za-z]+)>/g)].map((m) => `<${m[1]}>`);
  return [...new Set([...args, ...tags])].sort();
}

/** Sample values for every placeholder of a message. */
function sampleValues(message: string): Record<string, string | number | ((chunks: unknown) => string)> {
  const values: Record<string, string | number | ((chunks: unknown) => string)> = {};
  for (const p of placeholders(message)) {
    if (p.startsWith("<")) values[p.slice(1, -1)] = () => "x";
    else values[p.slice(1, -1)] = 2;
  }
  return values;
}

describe("messages/en.json and messages/fr.json", () => {
  it("have the same keys", () => {
    const missingInFr = [...EN.keys()].filter((k) => !FR.has(k));
    const missingInEn = [...FR.keys()].filter((k) => !EN.has(k));
    expect({ missingInFr, missingInEn }).toEqual({ missingInFr: [], missingInEn: [] });
    expect(EN.size).toBeGreaterThan(200);
  });

  it("use the same placeholders and tags in both languages", () => {
    const differ = [...EN].filter(([key, text]) => placeholders(text).join() !== placeholders(FR.get(key) ?? "").join());
    expect(differ.map(([key]) => key)).toEqual([]);
  });

  it("parse and format in both languages", () => {
    for (const [locale, messages, flat] of [
      ["en", en, EN],
      ["fr", fr, FR],
    ] as const) {
      const errors: string[] = [];
      const t = createTranslator({ locale, messages, timeZone: "UTC", onError: (e) => errors.push(e.message) }) as unknown as {
        (key: string, values?: object): string;
        rich: (key: string, values?: object) => unknown;
      };
      for (const [key, text] of flat) {
        if (/<[A-Za-z]+>/.test(text)) t.rich(key, sampleValues(text));
        else expect(t(key, sampleValues(text)), `${locale} ${key}`).not.toBe("");
      }
      expect(errors, locale).toEqual([]);
    }
  });

  it("write French with French typography", () => {
    const french = [...FR.values()].join("\n");
    expect(french).not.toMatch(/[“”]/); // « guillemets », not English quotes
    expect(french).not.toMatch(/\w'\w/); // typographic apostrophe (’)
    expect(french).not.toMatch(/ [;?!:]/); // a non-breaking space before ; ? ! :
    expect(FR.get("meetings.delete.heading")).toBe("Supprimer «\u00a0{title}\u00a0»\u202f?");
  });
});

/** Python sources of the services that send error codes to the dashboard. */
function pythonSources(): string[] {
  const roots = ["01-core/scribe_core", "02-workers/scribe_worker", "03-interface/backend/scribe_gateway"].map((r) => path.join(REPO_ROOT, r));
  return roots.flatMap((root) =>
    (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".py")).map((f) => readFileSync(path.join(root, f), "utf8")),
  );
}

describe("error codes", () => {
  it("have a sentence in both languages for every code the dashboard knows", () => {
    for (const code of ERROR_CODES) {
      expect(EN.get(`errors.${code}`), `en errors.${code}`).toBeTruthy();
      expect(FR.get(`errors.${code}`), `fr errors.${code}`).toBeTruthy();
    }
    const unused = [...EN.keys()].filter((k) => k.startsWith("errors.") && !ERROR_CODES.includes(k.slice(7)));
    expect(unused).toEqual([]);
  });

  it("cover every ErrorCode of scribe_core.errors (failure reasons)", () => {
    const source = readFileSync(path.join(REPO_ROOT, "01-core/scribe_core/errors.py"), "utf8");
    const enumBody = source.slice(source.indexOf("class ErrorCode"), source.indexOf("\nERROR_MESSAGES"));
    const codes = [...enumBody.matchAll(/^ {4}[A-Z_]+ = "([a-z_]+)"$/gm)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThanOrEqual(16);
    expect([...codes].sort()).toEqual([...FAILURE_CODES].sort());
  });

  it("cover every code the gateway, the core and the worker put in an error body (add errors.<code> to both files)", () => {
    const sources = pythonSources();
    // Module constants such as `INVALID_NAME: Final = "invalid_name"`, for `code=INVALID_NAME`.
    const constants = new Map<string, string>();
    for (const text of sources) {
      for (const m of text.matchAll(/^([A-Z][A-Z0-9_]*)(?:\s*:\s*[A-Za-z[\]]+)?\s*=\s*"([a-z][a-z0-9_]*)"$/gm)) constants.set(m[1]!, m[2]!);
    }
    const codes = new Set<string>();
    for (const text of sources) {
      // `code = "x"`, `code="x"`, `code: str = "x"` (a class attribute, an argument or its default), `"code": "x"`.
      for (const m of text.matchAll(/(?:\bcode(?:\s*:\s*[A-Za-z_|[\] ]+?)?\s*=\s*|"code"\s*:\s*)"([a-z][a-z0-9_]*)"/g)) codes.add(m[1]!);
      for (const m of text.matchAll(/\bcode(?:\s*:\s*[A-Za-z_|[\] ]+?)?\s*=\s*([A-Z][A-Z0-9_]*)\b/g)) {
        const value = constants.get(m[1]!);
        if (value) codes.add(value);
      }
    }
    expect(codes).toContain("invalid_name"); // found through its constant
    expect(codes.size).toBeGreaterThan(20);
    expect([...codes].filter((code) => !ERROR_CODES.includes(code)).sort()).toEqual([]);
  });
});
