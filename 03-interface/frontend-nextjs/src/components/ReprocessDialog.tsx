"use client";
/**
 * "Re-process": run the pipeline again on the meeting's stored recording, with the language
 * and speaker count chosen in a modal `<dialog>` (the meeting's current options to start
 * with) and the current voice bank. It warns that the new result replaces the transcript and
 * every edit, then calls `POST /api/v1/meetings/{id}/reprocess`; the caller follows the new
 * task. Errors stay in the dialog as the sentence of their code.
 */
import { useTranslations } from "next-intl";
import { type FormEvent, useId, useRef, useState } from "react";
import { type Message } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import type { MeetingPublic, ProcessAccepted } from "@/lib/api/client";
import { describeError } from "@/lib/api/errors";
import type { ReprocessOptions } from "@/lib/workspace";
import { LANGUAGES, speakerOptions } from "./Uploader";

type SpeakerMode = "auto" | "exact" | "range";

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
  const tu = useTranslations("uploader");
  const tl = useTranslations("languages");
  const tc = useTranslations("common");
  const text = useMessageText();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const options = meeting.options;
  const initialMode: SpeakerMode = options.num_speakers != null ? "exact" : options.min_speakers != null || options.max_speakers != null ? "range" : "auto";
  const known = (LANGUAGES as readonly string[]).includes(options.language ?? "") ? (options.language as string) : "auto";
  const [open, setOpen] = useState(false);
  const [language, setLanguage] = useState(known);
  const [mode, setMode] = useState<SpeakerMode>(initialMode);
  const [exact, setExact] = useState(String(options.num_speakers ?? 2));
  const [min, setMin] = useState(options.min_speakers != null ? String(options.min_speakers) : "");
  const [max, setMax] = useState(options.max_speakers != null ? String(options.max_speakers) : "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const ids = { title: useId(), lang: useId(), mode: useId(), exact: useId(), min: useId(), max: useId() };

  const show = () => {
    setError(null);
    const dialog = dialogRef.current;
    if (dialog && typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      setOpen(true);
    }
  };
  const close = () => {
    const dialog = dialogRef.current;
    if (dialog?.open && typeof dialog.close === "function") dialog.close();
    setOpen(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const [body, refusal] = reprocessOptions(language, mode, exact, min, max);
    if (refusal !== null) {
      setError(refusal);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const accepted = await onReprocess(body);
      close();
      onStarted(accepted);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="secondary" onClick={show}>
        {t("button")}
      </button>
      <dialog ref={dialogRef} className="reprocess-dialog" aria-labelledby={ids.title} open={open || undefined} onClose={() => setOpen(false)}>
        <h2 id={ids.title}>{t("heading")}</h2>
        <form onSubmit={submit} noValidate>
          <p>{t("intro")}</p>
          <p className="alert warning">{meeting.revision > 0 ? t("warningEdited") : t("warning")}</p>
          <div className="field">
            <label htmlFor={ids.lang}>{tu("language")}</label>
            <select id={ids.lang} value={language} disabled={busy} onChange={(e) => setLanguage(e.target.value)}>
              {LANGUAGES.map((code) => (
                <option key={code} value={code}>
                  {tl(code)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.mode}>{tu("speakers")}</label>
            <select id={ids.mode} value={mode} disabled={busy} onChange={(e) => setMode(e.target.value as SpeakerMode)}>
              <option value="auto">{tu("speakersAuto")}</option>
              <option value="exact">{tu("speakersExact")}</option>
              <option value="range">{tu("speakersRange")}</option>
            </select>
          </div>
          {mode === "exact" ? (
            <div className="field">
              <label htmlFor={ids.exact}>{tu("speakerCount")}</label>
              <input id={ids.exact} type="number" min={1} max={64} value={exact} disabled={busy} onChange={(e) => setExact(e.target.value)} />
            </div>
          ) : null}
          {mode === "range" ? (
            <div className="grid-fields">
              <div className="field">
                <label htmlFor={ids.min}>{tu("atLeast")}</label>
                <input id={ids.min} type="number" min={1} max={64} value={min} disabled={busy} onChange={(e) => setMin(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor={ids.max}>{tu("atMost")}</label>
                <input id={ids.max} type="number" min={1} max={64} value={max} disabled={busy} onChange={(e) => setMax(e.target.value)} />
              </div>
            </div>
          ) : null}
          {error ? (
            <p className="alert error" role="alert">
              {text(error)}
            </p>
          ) : null}
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button type="button" className="secondary" onClick={close} disabled={busy}>
              {tc("cancel")}
            </button>
            <button type="submit" disabled={busy}>
              {busy ? t("submitting") : t("submit")}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
