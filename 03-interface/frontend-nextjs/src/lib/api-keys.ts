/**
 * API keys as the gateway serves them (`/api/v1/api-keys`): long-lived, scoped credentials for
 * scripts and integrations (n8n, cron jobs), sent as `Authorization: Bearer <key>` or
 * `X-API-Key: <key>`. The key itself is returned once, by the create call; lists only show its
 * first characters (`prefix`).
 *
 * The types are written here by hand until the typed client (`schema.d.ts`) is regenerated
 * from the gateway's OpenAPI document; they mirror `ApiKeyCreate`, `ApiKeyPublic` and
 * `ApiKeyCreated` there.
 */
import { type Message, msg } from "@/i18n/message";
import { ApiError, errorCode, errorMessage } from "./api/errors";

/** A permission a key can carry (the gateway refuses a route without it: 403 `insufficient_scope`). */
export type Scope = "meetings:read" | "meetings:write" | "speakers:read" | "speakers:write" | "webhooks:manage";

/** Every scope, with the message saying what it lets a key do, in the order the form shows them. */
export const SCOPES: ReadonlyArray<{ scope: Scope; label: Message }> = [
  { scope: "meetings:read", label: msg("apiKeys.scopes.meetingsRead") },
  { scope: "meetings:write", label: msg("apiKeys.scopes.meetingsWrite") },
  { scope: "speakers:read", label: msg("apiKeys.scopes.speakersRead") },
  { scope: "speakers:write", label: msg("apiKeys.scopes.speakersWrite") },
  { scope: "webhooks:manage", label: msg("apiKeys.scopes.webhooksManage") },
];

/** An API key as listed (never the key itself). Times are ISO-8601 UTC strings. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/** The answer to a creation: the key, shown once. */
export interface ApiKeyCreated extends ApiKey {
  key: string;
}

/** Body of a creation. */
export interface ApiKeyCreate {
  name: string;
  scopes: Scope[];
  expires_at?: string;
}

/**
 * Check the creation form; `null` when it can be sent, else the message to show.
 *
 * @param name The name typed.
 * @param scopes The scopes ticked.
 * @param expiresOn The expiry date (`YYYY-MM-DD`) or `""` for none.
 * @param today Today's date as `YYYY-MM-DD` (UTC).
 */
export function validateKeyForm(name: string, scopes: readonly string[], expiresOn: string, today: string): Message | null {
  if (!name.trim()) return msg("apiKeys.errors.nameMissing");
  if (name.trim().length > 100) return msg("apiKeys.errors.nameTooLong", { max: 100 });
  if (scopes.length === 0) return msg("apiKeys.errors.noScope");
  if (expiresOn && expiresOn <= today) return msg("apiKeys.errors.expiryPast");
  return null;
}

/**
 * The creation body: the trimmed name, the scopes in the form's order, and an expiry at the
 * end of the chosen day (23:59:59 UTC) when one is chosen.
 */
export function keyCreateBody(name: string, scopes: readonly Scope[], expiresOn: string): ApiKeyCreate {
  const ordered = SCOPES.map((s) => s.scope).filter((s) => scopes.includes(s));
  return { name: name.trim(), scopes: ordered, ...(expiresOn ? { expires_at: `${expiresOn}T23:59:59Z` } : {}) };
}

/** Whether a key's expiry has passed (`now` in milliseconds since the epoch). */
export function isExpired(key: Pick<ApiKey, "expires_at">, now: number = Date.now()): boolean {
  return key.expires_at !== null && new Date(key.expires_at).getTime() <= now;
}

/** The gateway calls of the API-keys page (injectable for tests). */
export interface ApiKeysApi {
  list: () => Promise<ApiKey[]>;
  create: (body: ApiKeyCreate) => Promise<ApiKeyCreated>;
  revoke: (id: string) => Promise<void>;
}

async function call<T>(fetchImpl: typeof fetch, url: string, init: RequestInit, onUnauthorized?: () => void): Promise<T> {
  const response = await fetchImpl(url, { ...init, headers: { Accept: "application/json", ...(init.headers ?? {}) } });
  if (response.status === 401) onUnauthorized?.();
  if (!response.ok) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    throw new ApiError(errorMessage(body, response.status), response.status, errorCode(body));
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/**
 * The API-keys calls against a base URL (the browser's `/gw` proxy, or the gateway itself with
 * a bearer token on the server).
 *
 * @param baseUrl Prefix of `/api/v1/api-keys` (`/gw`, or `http://127.0.0.1:5000`).
 * @param options `token` to send as bearer, a `fetch` to use, and what to do on 401.
 */
export function apiKeysApi(
  baseUrl: string,
  options: { token?: string | undefined; fetch?: typeof fetch; onUnauthorized?: () => void } = {},
): ApiKeysApi {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const root = `${baseUrl.replace(/\/+$/, "")}/api/v1/api-keys`;
  const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  return {
    list: () => call<ApiKey[]>(fetchImpl, root, { headers: auth, cache: "no-store" }, options.onUnauthorized),
    create: (body) =>
      call<ApiKeyCreated>(
        fetchImpl,
        root,
        { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(body) },
        options.onUnauthorized,
      ),
    revoke: (id) =>
      call<void>(fetchImpl, `${root}/${encodeURIComponent(id)}`, { method: "DELETE", headers: auth }, options.onUnauthorized),
  };
}
