import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { ApiKeys } from "@/components/ApiKeys";
import { apiKeysApi } from "@/lib/api-keys";
import { ApiError, gatewayUnreachable } from "@/lib/api/errors";
import { gatewayUrl } from "@/lib/config";
import { requireToken } from "@/lib/session";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("apiKeys") };
}

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
    throw new ApiError(gatewayUnreachable(err, `page ${NEXT}`), 502, "service_unreachable");
  }
  const t = await getTranslations("apiKeys");
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">
        {t.rich("intro", {
          bearer: () => <code>Authorization: Bearer &lt;key&gt;</code>,
          header: () => <code>X-API-Key: &lt;key&gt;</code>,
        })}
      </p>
      <ApiKeys keys={keys} />
    </>
  );
}
