import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { MeetingsList } from "@/components/MeetingsList";
import { Uploader } from "@/components/Uploader";
import { load } from "@/lib/api/server";
import { maxUploadBytes } from "@/lib/config";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("meetings") };
}

const PAGE_SIZE = 20;

/** `/meetings?page=N`: the upload form and the user's meetings, newest first. */
export default async function MeetingsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const page = Math.max(1, Number.parseInt(String(params.page ?? "1"), 10) || 1);
  const offset = (page - 1) * PAGE_SIZE;
  const data = await load(
    (gw) => gw.GET("/api/v1/meetings", { params: { query: { limit: PAGE_SIZE, offset } } }),
    `/meetings${page > 1 ? `?page=${page}` : ""}`,
  );
  const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  const t = await getTranslations("meetings");
  return (
    <>
      <h1>{t("title")}</h1>
      <Uploader maxBytes={maxUploadBytes()} />
      <section className="card" aria-labelledby="list-title">
        <h2 id="list-title">
          {t("yours")} <span className="muted">({data.total})</span>
        </h2>
        <MeetingsList meetings={data.items} />
        {pages > 1 ? (
          <nav className="pagination" aria-label={t("pages")}>
            {page > 1 ? <Link href={`/meetings?page=${page - 1}`}>{t("newer")}</Link> : <span />}
            <span className="muted">{t("pageOf", { page, pages })}</span>
            {page < pages ? <Link href={`/meetings?page=${page + 1}`}>{t("older")}</Link> : <span />}
          </nav>
        ) : null}
      </section>
    </>
  );
}
