import { describe, expect, it } from "vitest";
import { safeNext, secondsUntilExpiry } from "./session-utils";

function jwt(claims: object): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}.signature`;
}

describe("secondsUntilExpiry", () => {
  it("reads the exp claim", () => {
    expect(secondsUntilExpiry(jwt({ sub: "u", exp: 1_003_600 }), 1_000_000)).toBe(3600);
  });
  it("never goes below a minute, and is undefined without exp", () => {
    expect(secondsUntilExpiry(jwt({ exp: 10 }), 1_000_000)).toBe(60);
    expect(secondsUntilExpiry(jwt({ sub: "u" }))).toBeUndefined();
    expect(secondsUntilExpiry("not-a-jwt")).toBeUndefined();
    expect(secondsUntilExpiry("a.%%%.c")).toBeUndefined();
  });
});

describe("safeNext", () => {
  it.each([
    ["/meetings/1?x=2", "/meetings/1?x=2"],
    ["//evil.example/", "/meetings"],
    ["https://evil.example/", "/meetings"],
    ["/\\evil.example", "/meetings"],
    [undefined, "/meetings"],
    [["/a", "/b"], "/meetings"],
  ])("%s → %s", (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});
