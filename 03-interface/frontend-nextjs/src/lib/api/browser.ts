"use client";
/**
 * The gateway client as the browser uses it: requests go to this dashboard's `/gw` proxy,
 * which adds the session's bearer token. A `401` sends the user to sign in again.
 */
import { PROXY_PREFIX } from "../proxy-prefix";
import { createGatewayClient, type GatewayClient } from "./client";

let cached: GatewayClient | undefined;

/** Send the browser to the sign-in page because the session ended (expired token). */
export function sessionExpired(): void {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/session/expired?next=${encodeURIComponent(next)}`);
}

/** The browser's gateway client (one per page load). */
export function browserGateway(): GatewayClient {
  if (!cached) {
    cached = createGatewayClient({ baseUrl: `${window.location.origin}${PROXY_PREFIX}` });
    cached.use({
      onResponse({ response }) {
        if (response.status === 401) sessionExpired();
        return response;
      },
    });
  }
  return cached;
}

/**
 * URL (on this dashboard) of a gateway path, for `<audio src>` and download links.
 *
 * @param path A gateway path such as `/api/v1/meetings/{id}/audio`.
 */
export function proxied(path: string): string {
  return `${PROXY_PREFIX}${path}`;
}
