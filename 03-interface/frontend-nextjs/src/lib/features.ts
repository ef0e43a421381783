/**
 * Feature detection against the gateway (server-only): parts of the dashboard appear only
 * when the gateway serves their endpoints.
 */
import { gatewayUrl } from "./config";

/**
 * Whether the voice bank API exists: `GET /api/v1/speakers` answers 2xx for this user.
 *
 * @param token The user's bearer token.
 * @returns false on 404/405, any other error status, or an unreachable gateway (2 s timeout).
 */
export async function hasVoiceBank(token: string): Promise<boolean> {
  try {
    const response = await fetch(`${gatewayUrl()}/api/v1/speakers`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      cache: "no-store",
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
