"use client";
/**
 * The user's meetings: title, date, duration, status; live stage and progress while
 * processing (polling stops once the meeting settles, then the page data is refreshed); the
 * failure reason; delete with confirmation.
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { useCallback } from "react";
import type { MeetingPublic } from "@/lib/api/client";
import { formatBytes, formatDateTime, formatDuration } from "@/lib/format";
import { DeleteMeetingButton } from "./DeleteMeetingButton";
import { MeetingProgress } from "./MeetingProgress";
import { StatusBadge } from "./StatusBadge";
import type { StatusFetcher } from "./useTaskStatus";

export interface MeetingsListProps {
  meetings: MeetingPublic[];
  /** Injected in tests; defaults to polling the gateway. */
  fetcher?: StatusFetcher;
  pollIntervalMs?: number;
}

function MeetingRow({ meeting, fetcher, pollIntervalMs }: { meeting: MeetingPublic; fetcher?: StatusFetcher | undefined; pollIntervalMs?: number | undefined }) {
  const router = useRouter();
  const t = useTranslations("meetings");
  const locale = useLocale();
  const refresh = useCallback(() => router.refresh(), [router]);
  const title = meeting.title || meeting.original_filename;
  return (
    <li className="meeting-item" data-meeting-id={meeting.id} data-testid="meeting-row">
      <MeetingProgress
        key={`${meeting.id}-${meeting.status}`}
        taskId={meeting.task_id}
        initial={meeting}
        onSettled={refresh}
        {...(fetcher ? { fetcher } : {})}
        {...(pollIntervalMs ? { intervalMs: pollIntervalMs } : {})}
      >
        {(live) => (
          <>
            <div>
              <div className="meeting-title">
                <Link href={`/meetings/${meeting.id}`}>{title}</Link>
              </div>
              <div className="meeting-meta">
                <span>{formatDateTime(meeting.created_at, locale)}</span>
                <span>{formatDuration(meeting.duration_seconds, locale)}</span>
                <span>{formatBytes(meeting.size_bytes, locale)}</span>
                {meeting.language ? <span>{meeting.language.toUpperCase()}</span> : null}
                {meeting.speakers.length ? <span>{t("speakerCount", { count: meeting.speakers.length })}</span> : null}
              </div>
            </div>
            <div className="meeting-actions">
              <StatusBadge status={live.status} />
              <DeleteMeetingButton meetingId={meeting.id} title={title} onDeleted={refresh} />
            </div>
          </>
        )}
      </MeetingProgress>
    </li>
  );
}

export function MeetingsList({ meetings, fetcher, pollIntervalMs }: MeetingsListProps) {
  const t = useTranslations("meetings");
  if (meetings.length === 0) {
    return <p className="muted">{t("empty")}</p>;
  }
  return (
    <ul className="meeting-list" aria-label={t("listLabel")}>
      {meetings.map((m) => (
        <MeetingRow key={m.id} meeting={m} fetcher={fetcher} pollIntervalMs={pollIntervalMs} />
      ))}
    </ul>
  );
}
