"use client";
/**
 * Status line of a meeting: badge, and while it is processing the current stage and a progress
 * bar, followed live by polling; the failure reason when it failed.
 */
import type { ReactNode } from "react";
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
  const { status, pollError } = useTaskStatus(taskId, initial, options);
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
              caption={`${stageLabel(status.stage, status.status)}${status.stage ? ` (${status.stage})` : ""}`}
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
