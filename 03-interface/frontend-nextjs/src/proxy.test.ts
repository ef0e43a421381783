// @vitest-environment node
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { config, proxy } from "./proxy";

const request = (url: string, init: { method?: string; cookie?: string } = {}) =>
  new NextRequest(new URL(url, "http://dashboard.test"), {
    method: init.method ?? "GET",
    headers: init.cookie ? { cookie: init.cookie } : {},
  });

describe("proxy (signed-out deep links)", () => {
  it("sends a signed-out visitor to sign in, coming back to the page and query asked for", () => {
    const res = proxy(request("/speakers?sort=name&q=Katie"));
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("http://dashboard.test/sign-in?next=%2Fspeakers%3Fsort%3Dname%26q%3DKatie");
    expect(proxy(request("/meetings/0b7e2c1a-1111-4222-8333-444455556666")).headers.get("location")).toBe(
      "http://dashboard.test/sign-in?next=%2Fmeetings%2F0b7e2c1a-1111-4222-8333-444455556666",
    );
  });

  it("lets a signed-in visitor, and anything but a page load, through", () => {
    expect(proxy(request("/speakers", { cookie: "scribe_session=tok" })).headers.get("x-middleware-next")).toBe("1");
    expect(proxy(request("/meetings", { method: "POST" })).headers.get("x-middleware-next")).toBe("1");
    expect(proxy(request("/meetings", { cookie: "scribe_session=" })).status).toBe(307);
  });

  it("leaves the sign-in pages, the API proxy, sessions, assets and files alone", () => {
    const matcher = new RegExp(`^${config.matcher[0]!.replace("/((?!", "/(?!(?:").replace(").+)", ")).+")}$`);
    for (const path of ["/meetings", "/meetings/abc", "/speakers", "/settings/api-keys", "/anything-new"]) expect(path).toMatch(matcher);
    for (const path of ["/sign-in", "/sign-up", "/session/expired", "/gw/api/v1/meetings", "/_next/static/x.js", "/icon.svg", "/"]) {
      expect(path).not.toMatch(matcher);
    }
  });
});
