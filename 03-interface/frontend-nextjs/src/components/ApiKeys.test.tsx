import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { type ApiKey, type ApiKeyCreated, type ApiKeysApi, apiKeysApi, keyCreateBody, validateKeyForm } from "@/lib/api-keys";
import { ApiError } from "@/lib/api/errors";
import { renderWithIntl, translate } from "@/test/intl";
import { ApiKeys } from "./ApiKeys";

function apiKey(overrides: Partial<ApiKey>): ApiKey {
  return {
    id: "aaaaaaaa-1111-4222-8333-444455556666",
    name: "n8n on the NAS",
    prefix: "sms_live_Ab12Cd34",
    scopes: ["meetings:read", "meetings:write"],
    created_at: "2026-11-29T18:00:00Z",
    expires_at: null,
    last_used_at: null,
    ...overrides,
  };
}

const SECRET = "sms_live_Zz98Yy76_the-rest-of-a-43-character-random-part";

function fakeApi(overrides: Partial<ApiKeysApi> = {}) {
  const created: ApiKeyCreated = {
    ...apiKey({ id: "new-key", name: "Backup script", prefix: "sms_live_Zz98Yy76", scopes: ["meetings:read"] }),
    key: SECRET,
  };
  return {
    list: vi.fn(async () => []),
    create: vi.fn(async () => created),
    revoke: vi.fn(async () => undefined),
    ...overrides,
  } satisfies ApiKeysApi;
}

describe("ApiKeys", () => {
  it("lists keys by prefix, name, permissions, last use and expiry, never the key", () => {
    renderWithIntl(
      <ApiKeys
        keys={[
          apiKey({}),
          apiKey({ id: "b", name: "Old cron", last_used_at: "2026-11-28T07:00:00Z", expires_at: "2026-01-01T00:00:00Z" }),
        ]}
        api={fakeApi()}
        today="2026-11-29"
      />,
    );
    const rows = screen.getAllByTestId("api-key-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("n8n on the NAS");
    expect(rows[0]).toHaveTextContent("sms_live_Ab12Cd34…");
    expect(rows[0]).toHaveTextContent("meetings:read, meetings:write");
    expect(within(rows[0]!).getAllByText("Never")).toHaveLength(2);
    expect(rows[1]).toHaveTextContent("(expired)");
    expect(screen.getByRole("button", { name: "Revoke Old cron" })).toBeInTheDocument();
  });

  it("creates a key with the ticked permissions and shows it once, with a working copy button", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    const copy = vi.fn(async () => undefined);
    renderWithIntl(<ApiKeys keys={[]} api={api} copy={copy} today="2026-11-29" />);
    expect(screen.getByText("No API keys yet.")).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "  Backup script " } });
    await user.click(screen.getByRole("checkbox", { name: /meetings:write/ })); // on by default: now off
    await user.click(screen.getByRole("checkbox", { name: /webhooks:manage/ }));
    fireEvent.change(screen.getByLabelText("Expires on (optional)"), { target: { value: "2027-03-01" } });
    await user.click(screen.getByRole("button", { name: "Create key" }));

    expect(api.create).toHaveBeenCalledWith({
      name: "Backup script",
      scopes: ["meetings:read", "webhooks:manage"],
      expires_at: "2027-03-01T23:59:59Z",
    });
    const shown = screen.getByLabelText("API key");
    expect(shown).toHaveValue(SECRET);
    expect(shown).toHaveAttribute("readonly");
    expect(screen.getByRole("note")).toHaveTextContent(/only time it is shown/);
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(copy).toHaveBeenCalledWith(SECRET);
    expect(await screen.findByText("Copied to the clipboard.")).toBeInTheDocument();

    // Listed without the key; dismissing the panel removes the only copy on the page.
    const rows = screen.getAllByTestId("api-key-row");
    expect(rows[0]).toHaveTextContent("Backup script");
    expect(rows[0]).not.toHaveTextContent(SECRET);
    await user.click(screen.getByRole("button", { name: "I have stored the key" }));
    expect(screen.queryByLabelText("API key")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(SECRET);
  });

  it("refuses an empty name, no permission or a past expiry before calling the gateway", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    renderWithIntl(<ApiKeys keys={[]} api={api} today="2026-11-29" />);
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Give the key a name");
    await user.type(screen.getByLabelText("Name"), "x");
    await user.click(screen.getByRole("checkbox", { name: /meetings:read/ }));
    await user.click(screen.getByRole("checkbox", { name: /meetings:write/ }));
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Tick at least one permission.");
    expect(api.create).not.toHaveBeenCalled();
  });

  it("explains a refused creation in the user's words", async () => {
    const user = userEvent.setup();
    const api = fakeApi({ create: vi.fn(async () => Promise.reject(new ApiError("expires_at must be in the future", 400, "bad_input"))) });
    renderWithIntl(<ApiKeys keys={[]} api={api} today="2026-11-29" />);
    await user.type(screen.getByLabelText("Name"), "x");
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The key could not be created: The request was refused; check what you entered and try again.",
    );
    expect(screen.queryByText(/expires_at/)).toBeNull();
  });

  it("revokes a key after confirmation", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    renderWithIntl(<ApiKeys keys={[apiKey({})]} api={api} today="2026-11-29" />);
    await user.click(screen.getByRole("button", { name: "Revoke n8n on the NAS" }));
    expect(api.revoke).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Revoke for good" }));
    expect(api.revoke).toHaveBeenCalledWith("aaaaaaaa-1111-4222-8333-444455556666");
    expect(screen.queryAllByTestId("api-key-row")).toHaveLength(0);
    expect(screen.getByRole("status")).toHaveTextContent("is revoked");
  });
});

describe("api-keys helpers", () => {
  it("validates the form", () => {
    expect(validateKeyForm("n8n", ["meetings:read"], "", "2026-11-29")).toBeNull();
    const en = (...args: Parameters<typeof validateKeyForm>) => translate("en", validateKeyForm(...args)!);
    expect(en(" ", ["meetings:read"], "", "2026-11-29")).toMatch(/name/);
    expect(en("n8n", [], "", "2026-11-29")).toMatch(/permission/);
    expect(en("n8n", ["meetings:read"], "2026-11-29", "2026-11-29")).toMatch(/after today/);
    expect(translate("fr", validateKeyForm("n8n", [], "", "2026-11-29")!)).toBe("Cochez au moins une autorisation.");
  });

  it("orders scopes as the form does and ends the expiry day at 23:59:59 UTC", () => {
    expect(keyCreateBody(" a ", ["speakers:read", "meetings:read"], "")).toEqual({ name: "a", scopes: ["meetings:read", "speakers:read"] });
    expect(keyCreateBody("a", ["meetings:read"], "2027-01-02").expires_at).toBe("2027-01-02T23:59:59Z");
  });

  it("calls the gateway with the bearer token and reports its error detail", async () => {
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    const unauthorized = vi.fn();
    const fetchImpl = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), init });
      if (init?.method === "DELETE") {
        return new Response(JSON.stringify({ error: "AuthenticationError", code: "not_authenticated", detail: "the access token has expired" }), {
          status: 401,
        });
      }
      return new Response(JSON.stringify([apiKey({})]), { status: 200, headers: { "content-type": "application/json" } });
    }) as unknown as typeof fetch;
    const api = apiKeysApi("http://127.0.0.1:5000/", { token: "t0k", fetch: fetchImpl, onUnauthorized: unauthorized });
    expect(await api.list()).toHaveLength(1);
    expect(seen[0]!.url).toBe("http://127.0.0.1:5000/api/v1/api-keys");
    expect(new Headers(seen[0]!.init?.headers).get("authorization")).toBe("Bearer t0k");
    await expect(api.revoke("a/b")).rejects.toMatchObject({ status: 401, code: "not_authenticated", message: "the access token has expired" });
    expect(seen[1]!.url).toBe("http://127.0.0.1:5000/api/v1/api-keys/a%2Fb");
    expect(unauthorized).toHaveBeenCalledOnce();
  });
});
