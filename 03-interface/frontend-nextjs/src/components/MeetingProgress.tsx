"use client";
/**
 * Status line of a meeting: badge, and while it is processing the current stage and a progress
 * bar (with the time left once the gateway can estimate it), followed live by the status event
 * stream or by polling; the failure reason (from its code, in the user's language) when it
 * failed, and a note while a PENDING meeting waits for a retry.
 */
import { useLocale, useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { useMessageText } from "@/i18n/text";
import { failureText } from "@/lib/api/errors";
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

/** Codes a PENDING meeting may carry while it waits to be retried (a note, not a failure). */
const PENDING_NOTES = new Set(["retrying", "worker_lost"]);

export function MeetingProgress({ taskId, initial, variant = "row", children, ...options }: MeetingProgressProps) {
  const t = useTranslations("progress");
  const text = useMessageText();
  const locale = useLocale();
  // List rows poll: one event stream per queued meeting would use up the browser's six
  // connections per origin (HTTP/1.1). The meeting page follows its one task live.
  const { status, pollError } = useTaskStatus(taskId, initial, variant === "row" && options.events === undefined ? { ...options, events: null } : options);
  const busy = status.status === "PENDING" || status.status === "PROCESSING";
  const stage = text(stageLabel(status.stage, status.status));
  return (
    <>
      {children?.(status)}
      <div className={variant === "row" ? "meeting-progress" : undefined} aria-live="polite">
        {variant === "page" ? <StatusBadge status={status.status} /> : null}
        {busy ? (
          <div data-stage={status.stage ?? ""} data-progress={status.progress}>
            <ProgressBar
              value={status.progress}
              label={t("label")}
              caption={status.eta_seconds != null ? t("captionWithEta", { stage, left: formatDuration(status.eta_seconds, locale) }) : stage}
            />
          </div>
        ) : null}
        {busy && status.error_code && PENDING_NOTES.has(status.error_code) ? <p className="muted">{text(failureText(status.error_code))}</p> : null}
        {status.status === "FAILED" ? (
          <p className="failure-reason" role="alert">
            {text(failureText(status.error_code))}
          </p>
        ) : null}
        {pollError ? <p className="muted">{t("lostContact")}</p> : null}
      </div>
    </>
  );
}
