"use client";
/**
 * Status line of a meeting: badge, and while it is processing the current stage and a progress
 * bar (with the time left once the gateway can estimate it), followed live by the status event
 * stream or by polling; the failure reason when it failed.
 */
import type { ReactNode } from "react";
import { formatDuration } from "@/lib/format";
import { ProgressBar } from "./ProgressBar";
import { StatusBadge } from "./StatusBadge";
import { stageLabel } from "./stages";
import { type StatusSnapshot, type UseTaskStatusOptions, useTaskStatus } from "./useTaskStatus";

export interface MeetingProgressProps extends UseTaskStatusOptions {
  taskId: string;
  initial: StatusSnapshot;
  /** Where to render: a list row (compact) or the meeting page. */
  variant?: "row" | "page";
  /** Rendered with the live status (e.g. the rest of a list row). */
  children?: (status: StatusSnapshot) => ReactNode;
}

export function MeetingProgress({ taskId, initial, variant = "row", children, ...options }: MeetingProgressProps) {
  // List rows poll: one event stream per queued meeting would use up the browser's six
  // connections per origin (HTTP/1.1). The meeting page follows its one task live.
  const { status, pollError } = useTaskStatus(taskId, initial, variant === "row" && options.events === undefined ? { ...options, events: null } : options);
  const busy = status.status === "PENDING" || status.status === "PROCESSING";
  return (
    <>
      {children?.(status)}
      <div className={variant === "row" ? "meeting-progress" : undefined} aria-live="polite">
        {variant === "page" ? <StatusBadge status={status.status} /> : null}
        {busy ? (
          <div data-stage={status.stage ?? ""} data-progress={status.progress}>
            <ProgressBar
              value={status.progress}
              label="Processing progress"
              caption={`${stageLabel(status.stage, status.status)}${status.stage ? ` (${status.stage})` : ""}${
                status.eta_seconds != null ? `, about ${formatDuration(status.eta_seconds)} left` : ""
              }`}
            />
          </div>
        ) : null}
        {status.status === "FAILED" ? (
          <p className="failure-reason" role="alert">
            Processing failed: {status.error || "no reason was given."}
          </p>
        ) : null}
        {pollError ? <p className="muted">Lost contact with the server ({pollError}); retrying…</p> : null}
      </div>
    </>
  );
}
