/**
 * The status of a meeting as a coloured badge (`PENDING`, `PROCESSING`, `COMPLETED`, `FAILED`).
 */

/** Meeting statuses of the gateway (`scribe_core.db.models`). */
export type MeetingStatus = "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED";

const LABELS: Record<MeetingStatus, string> = {
  PENDING: "Queued",
  PROCESSING: "Processing",
  COMPLETED: "Completed",
  FAILED: "Failed",
};

/** Whether a status is final (polling stops). */
export function isSettled(status: string): boolean {
  return status === "COMPLETED" || status === "FAILED";
}

/**
 * @param props.status The meeting status; unknown values render as they are.
 */
export function StatusBadge({ status }: { status: string }) {
  const label = LABELS[status as MeetingStatus] ?? status;
  return (
    <span className={`badge ${status}`} data-status={status}>
      {label}
    </span>
  );
}
