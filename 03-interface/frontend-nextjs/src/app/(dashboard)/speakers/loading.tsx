import { useTranslations } from "next-intl";

export default function Loading() {
  const t = useTranslations("loading");
  return (
    <section className="card" aria-busy="true" aria-label={t("voiceBank")}>
      <div className="skeleton" style={{ width: "40%", height: "1.4rem" }} />
      <div className="skeleton" />
      <div className="skeleton" style={{ width: "60%" }} />
    </section>
  );
}
