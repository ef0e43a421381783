"use client";
/**
 * The meeting page's header: the title (the pencil turns it into a field; Enter or Save
 * saves, Escape cancels), the facts (date, duration, language, processing time), an "Edited"
 * badge with the time of the last edit once the transcript was corrected, and the actions:
 * "Revert all edits" (after a confirmation), "Re-process" (a dialog) and delete.
 */
import { useLocale, useTranslations } from "next-intl";
import { type FormEvent, useId, useState } from "react";
import { type Message, msg } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import type { MeetingPublic, ProcessAccepted } from "@/lib/api/client";
import { describeError } from "@/lib/api/errors";
import { formatDateTime, formatDuration } from "@/lib/format";
import { cancelOnEscape } from "@/lib/useShortcuts";
import { MAX_TITLE, type WorkspaceApi } from "@/lib/workspace";
import { ConfirmButton } from "./ConfirmButton";
import { DeleteAndLeave } from "./DeleteAndLeave";
import { FormButtons } from "./FormButtons";
import { ReprocessDialog } from "./ReprocessDialog";

export interface MeetingHeaderProps {
  meeting: MeetingPublic;
  api: Pick<WorkspaceApi, "setTitle" | "reprocess">;
  /** The meeting as the gateway returned it after a change of title. */
  onMeetingChange: (meeting: MeetingPublic) => void;
  /** Revert every edit (rejections are shown in the confirmation dialog). */
  onRevert: () => Promise<void>;
  /** A re-processing task was started. */
  onReprocessStarted: (accepted: ProcessAccepted) => void;
  /** Whether a re-processing task is running (no re-process or revert meanwhile). */
  reprocessing?: boolean;
}

/** The title and its pencil, or the form that changes it. */
function Title({ meeting, api, onMeetingChange }: Pick<MeetingHeaderProps, "meeting" | "api" | "onMeetingChange">) {
  const t = useTranslations("workspace");
  const text = useMessageText();
  const title = meeting.title || meeting.original_filename;
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const id = useId();

  const cancel = () => {
    setEditing(false);
    setError(null);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = value.replace(/\s+/g, " ").trim();
    if (!next) return setError(msg("workspace.errors.titleMissing"));
    if (next.length > MAX_TITLE) return setError(msg("workspace.errors.titleTooLong", { max: MAX_TITLE }));
    if (next === title) return cancel();
    setBusy(true);
    setError(null);
    try {
      onMeetingChange(await api.setTitle(meeting.id, next));
      setEditing(false);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (!editing) {
    return (
      <div className="meeting-title-line">
        <h1>{title}</h1>
        <button
          type="button"
          className="link edit-title"
          aria-label={t("editTitle")}
          title={t("editTitle")}
          onClick={() => {
            setValue(title);
            setError(null);
            setEditing(true);
          }}
        >
          <span aria-hidden="true">✎</span>
        </button>
      </div>
    );
  }
  return (
    <form className="title-form" onSubmit={submit} aria-label={t("editTitle")}>
      <label htmlFor={id} className="visually-hidden">
        {t("titleLabel")}
      </label>
      <input
        id={id}
        type="text"
        value={value}
        maxLength={MAX_TITLE}
        autoFocus
        disabled={busy}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={cancelOnEscape(cancel)}
      />
      <FormButtons busy={busy} onCancel={cancel} />
      {error ? (
        <p role="alert" className="alert error" style={{ width: "100%" }}>
          {text(error)}
        </p>
      ) : null}
    </form>
  );
}

export function MeetingHeader({ meeting, api, onMeetingChange, onRevert, onReprocessStarted, reprocessing = false }: MeetingHeaderProps) {
  const t = useTranslations("workspace");
  const tm = useTranslations("meeting");
  const locale = useLocale();
  const title = meeting.title || meeting.original_filename;
  const facts = [formatDateTime(meeting.created_at, locale), formatDuration(meeting.duration_seconds, locale)];
  if (meeting.language) facts.push(meeting.language.toUpperCase());
  if (meeting.processing_time != null) facts.push(tm("processedIn", { duration: formatDuration(meeting.processing_time, locale) }));
  const settled = !reprocessing && (meeting.status === "COMPLETED" || meeting.status === "FAILED");
  const edited = meeting.revision > 0 && meeting.status === "COMPLETED" && !reprocessing;

  return (
    <div className="meeting-header">
      <div className="meeting-header-main">
        <Title key={title} meeting={meeting} api={api} onMeetingChange={onMeetingChange} />
        <p className="muted meeting-facts">
          {facts.join(" · ")}
          {edited ? (
            <>
              {" "}
              <span className="badge edited" data-testid="edited-badge" data-revision={meeting.revision}>
                {t("edited")}
              </span>{" "}
              <span>{t("editedAt", { date: formatDateTime(meeting.edited_at, locale) })}</span>
            </>
          ) : null}
        </p>
      </div>
      <div className="row meeting-header-actions">
        {edited ? (
          <ConfirmButton
            label={t("revert.button")}
            ariaLabel={t("revert.button")}
            heading={t("revert.heading")}
            confirmLabel={t("revert.confirm")}
            busyLabel={t("revert.busy")}
            onConfirm={onRevert}
          >
            {t("revert.body")}
          </ConfirmButton>
        ) : null}
        {settled ? (
          <ReprocessDialog meeting={meeting} onReprocess={(options) => api.reprocess(meeting.id, options)} onStarted={onReprocessStarted} />
        ) : null}
        <DeleteAndLeave meetingId={meeting.id} title={title} />
      </div>
    </div>
  );
}
