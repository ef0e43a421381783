"use client";
/**
 * The meeting page while the meeting is not COMPLETED: live status, stage and progress; the
 * page re-renders with the transcript as soon as processing completes.
 */
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import type { MeetingPublic } from "@/lib/api/client";
import { MeetingProgress } from "./MeetingProgress";

export function MeetingStatusPanel({ meeting }: { meeting: MeetingPublic }) {
  const router = useRouter();
  const t = useTranslations("meeting.status");
  return (
    <section className="card" aria-label={t("label")}>
      <h2>{meeting.status === "FAILED" ? t("failedTitle") : t("processingTitle")}</h2>
      <MeetingProgress
        key={meeting.status}
        taskId={meeting.task_id}
        initial={meeting}
        variant="page"
        onSettled={() => router.refresh()}
      />
      {meeting.status !== "FAILED" ? <p className="muted">{t("leaveNote")}</p> : null}
    </section>
  );
}
