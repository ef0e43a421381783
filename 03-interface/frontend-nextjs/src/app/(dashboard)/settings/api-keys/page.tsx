import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ApiKeys } from "@/components/ApiKeys";
import { apiKeysApi } from "@/lib/api-keys";
import { ApiError, gatewayUnreachable } from "@/lib/api/errors";
import { gatewayUrl } from "@/lib/config";
import { requireToken } from "@/lib/session";

export const metadata: Metadata = { title: "API keys" };

const NEXT = "/settings/api-keys";

/** `/settings/api-keys`: create, copy once, list and revoke the user's API keys. */
export default async function ApiKeysPage() {
  const token = await requireToken(NEXT);
  let expired = false;
  const api = apiKeysApi(gatewayUrl(), {
    token,
    fetch: (input, init) => fetch(input, { ...init, cache: "no-store" }),
    onUnauthorized: () => {
      expired = true;
    },
  });
  let keys;
  try {
    keys = await api.list();
  } catch (err) {
    if (expired) redirect(`/session/expired?next=${encodeURIComponent(NEXT)}`);
    if (err instanceof ApiError) throw err;
    throw new ApiError(gatewayUnreachable(err, `page ${NEXT}`), 502);
  }
  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        Keys let scripts and tools such as n8n use the API without your password: send one as{" "}
        <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key: &lt;key&gt;</code>. Give each tool its own key with
        only the permissions it needs, and revoke it when the tool is retired.
      </p>
      <ApiKeys keys={keys} />
    </>
  );
}
