import { useTranslations } from "next-intl";

export default function Loading() {
  const t = useTranslations("loading");
  return (
    <section className="card" aria-busy="true" aria-label={t("meeting")}>
      <div className="skeleton" style={{ width: "50%", height: "1.6rem" }} />
      <div className="skeleton" style={{ height: "2.5rem" }} />
      <div className="skeleton" />
      <div className="skeleton" />
      <div className="skeleton" style={{ width: "80%" }} />
    </section>
  );
}
