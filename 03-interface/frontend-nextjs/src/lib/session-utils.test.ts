import { describe, expect, it } from "vitest";
import { safeNext, secondsUntilExpiry, signInPath } from "./session-utils";

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
    ["/speakers", "/speakers"],
    ["/settings/api-keys?tab=new#top", "/settings/api-keys?tab=new#top"],
    ["http://evil.example/meetings", "/meetings"],
    ["javascript:alert(1)", "/meetings"],
    ["meetings", "/meetings"],
    ["/\t/evil.example", "/meetings"], // browsers drop the tab: //evil.example
    ["/\n/evil.example", "/meetings"],
    [`/${"a".repeat(3000)}`, "/meetings"],
  ])("%s → %s", (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});

describe("signInPath", () => {
  it("sends to sign in with the page asked for, query string included, and never elsewhere", () => {
    expect(signInPath("/speakers?x=1&y=2")).toBe("/sign-in?next=%2Fspeakers%3Fx%3D1%26y%3D2");
    expect(signInPath("//evil.example/")).toBe("/sign-in?next=%2Fmeetings");
  });
});
