"use client";
/**
 * "Re-process": run the pipeline again on the meeting's stored recording, with the language
 * and speaker count chosen in a modal `<dialog>` (the meeting's current options to start
 * with) and the current voice bank. It warns that the new result replaces the transcript and
 * every edit, then calls `POST /api/v1/meetings/{id}/reprocess`; the caller follows the new
 * task. Errors stay in the dialog as the sentence of their code.
 */
import { useTranslations } from "next-intl";
import { type FormEvent, useId, useState } from "react";
import { type Message } from "@/i18n/message";
import type { MeetingPublic, ProcessAccepted } from "@/lib/api/client";
import { useModalDialog } from "@/lib/useModalDialog";
import type { ReprocessOptions } from "@/lib/workspace";
import { DialogFooter } from "./DialogFooter";
import { LANGUAGES, SpeakerFields, type SpeakerFieldValues, type SpeakerMode, speakerOptions } from "./SpeakerFields";

/**
 * The body to send for the form's values: every option explicit (a speaker count the form
 * does not set is cleared, so the meeting gets exactly what the form shows).
 *
 * @returns `[body, null]`, or `[null, message]` when the speaker counts are inconsistent
 *   (`uploader.errors.*`).
 */
export function reprocessOptions(
  language: string,
  mode: SpeakerMode,
  exact: string,
  min: string,
  max: string,
): [ReprocessOptions, null] | [null, Message] {
  const [speakers, error] = speakerOptions(mode, exact, min, max);
  if (error !== null) return [null, error];
  return [
    {
      language: language || "auto",
      num_speakers: speakers.num_speakers ?? null,
      min_speakers: speakers.min_speakers ?? null,
      max_speakers: speakers.max_speakers ?? null,
    },
    null,
  ];
}

export interface ReprocessDialogProps {
  meeting: MeetingPublic;
  /** Start the task (the gateway call). */
  onReprocess: (options: ReprocessOptions) => Promise<ProcessAccepted>;
  /** Called with the gateway's 202 answer once the dialog closed. */
  onStarted: (accepted: ProcessAccepted) => void;
}

export function ReprocessDialog({ meeting, onReprocess, onStarted }: ReprocessDialogProps) {
  const t = useTranslations("reprocess");
  const dialog = useModalDialog();
  const options = meeting.options;
  const initialMode: SpeakerMode = options.num_speakers != null ? "exact" : options.min_speakers != null || options.max_speakers != null ? "range" : "auto";
  const known = (LANGUAGES as readonly string[]).includes(options.language ?? "") ? (options.language as string) : "auto";
  const [fields, setFields] = useState<SpeakerFieldValues>({
    language: known,
    mode: initialMode,
    exact: String(options.num_speakers ?? 2),
    min: options.min_speakers != null ? String(options.min_speakers) : "",
    max: options.max_speakers != null ? String(options.max_speakers) : "",
  });
  const titleId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const [body, refusal] = reprocessOptions(fields.language, fields.mode, fields.exact, fields.min, fields.max);
    if (refusal !== null) {
      dialog.setError(refusal);
      return;
    }
    await dialog.run(() => onReprocess(body), onStarted);
  };

  return (
    <>
      <button type="button" className="secondary" onClick={dialog.show}>
        {t("button")}
      </button>
      <dialog ref={dialog.dialogRef} className="reprocess-dialog" aria-labelledby={titleId} open={dialog.open || undefined} onClose={dialog.onClose}>
        <h2 id={titleId}>{t("heading")}</h2>
        <form onSubmit={submit} noValidate>
          <p>{t("intro")}</p>
          <p className="alert warning">{meeting.revision > 0 ? t("warningEdited") : t("warning")}</p>
          <div className="grid-fields">
            <SpeakerFields values={fields} onChange={(change) => setFields((f) => ({ ...f, ...change }))} disabled={dialog.busy} />
          </div>
          <DialogFooter error={dialog.error} busy={dialog.busy} onCancel={dialog.close} confirmLabel={t("submit")} busyLabel={t("submitting")} />
        </form>
      </dialog>
    </>
  );
}
