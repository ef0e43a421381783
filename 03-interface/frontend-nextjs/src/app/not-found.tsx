import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("notFound") };
}

export default async function NotFound() {
  const t = await getTranslations("notFound");
  return (
    <main id="main">
      <section className="card" style={{ maxWidth: 560, margin: "3rem auto" }}>
        <h1>{t("title")}</h1>
        <p>{t("body")}</p>
        <Link href="/meetings" className="button">
          {t("back")}
        </Link>
      </section>
    </main>
  );
}
