"use client";
/**
 * The meeting page while the meeting is not COMPLETED: live status, stage and progress; the
 * page re-renders with the transcript as soon as processing completes.
 */
import { useRouter } from "next/navigation";
import type { MeetingPublic } from "@/lib/api/client";
import { MeetingProgress } from "./MeetingProgress";

export function MeetingStatusPanel({ meeting }: { meeting: MeetingPublic }) {
  const router = useRouter();
  return (
    <section className="card" aria-label="Processing status">
      <h2>{meeting.status === "FAILED" ? "This recording could not be processed" : "Processing the recording"}</h2>
      <MeetingProgress
        key={meeting.status}
        taskId={meeting.task_id}
        initial={meeting}
        variant="page"
        onSettled={() => router.refresh()}
      />
      {meeting.status !== "FAILED" ? (
        <p className="muted">The transcript appears here when processing is complete; you can leave this page meanwhile.</p>
      ) : null}
    </section>
  );
}
