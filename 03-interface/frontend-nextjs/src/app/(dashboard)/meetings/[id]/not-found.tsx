import Link from "next/link";
import { useTranslations } from "next-intl";

export default function MeetingNotFound() {
  const t = useTranslations("notFound");
  return (
    <section className="card">
      <h1>{t("meetingTitle")}</h1>
      <p>{t("meetingBody")}</p>
      <Link href="/meetings" className="button">
        {t("back")}
      </Link>
    </section>
  );
}
