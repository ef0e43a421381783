import { useTranslations } from "next-intl";

export default function Loading() {
  const t = useTranslations("search");
  return (
    <section className="card" aria-busy="true" aria-label={t("loading")}>
      <div className="skeleton" style={{ width: "40%", height: "1.4rem" }} />
      <div className="skeleton" />
      <div className="skeleton" />
      <div className="skeleton" style={{ width: "70%" }} />
    </section>
  );
}
