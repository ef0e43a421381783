/**
 * The status of a meeting as a coloured badge (`PENDING`, `PROCESSING`, `COMPLETED`, `FAILED`),
 * labelled in the user's language (`status.<STATUS>`).
 */
import { useTranslations } from "next-intl";

/** Meeting statuses of the gateway (`scribe_core.db.models`). */
export type MeetingStatus = "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED";

const STATUSES: readonly string[] = ["PENDING", "PROCESSING", "COMPLETED", "FAILED"] satisfies MeetingStatus[];

/** Whether a status is final (polling stops). */
export function isSettled(status: string): boolean {
  return status === "COMPLETED" || status === "FAILED";
}

/**
 * @param props.status The meeting status; an unknown value reads "Unknown" (`status.unknown`),
 *   its code stays in `data-status`.
 */
export function StatusBadge({ status }: { status: string }) {
  const t = useTranslations("status");
  const label = STATUSES.includes(status) ? t(status as MeetingStatus) : t("unknown");
  return (
    <span className={`badge ${status}`} data-status={status}>
      {label}
    </span>
  );
}
