"use client";
/**
 * The buttons of an inline edit form (a meeting's title, an utterance, a speaker's name):
 * submit ("Save", or the form's own verb; its busy text while the change is sent) and Cancel,
 * both disabled while busy.
 */
import { useTranslations } from "next-intl";

export interface FormButtonsProps {
  busy: boolean;
  onCancel: () => void;
  /** Text of the submit button, and while the form is sent (default: Save / Saving…). */
  submitLabel?: string | undefined;
  busyLabel?: string | undefined;
}

export function FormButtons({ busy, onCancel, submitLabel, busyLabel }: FormButtonsProps) {
  const tc = useTranslations("common");
  return (
    <>
      <button type="submit" disabled={busy}>
        {busy ? (busyLabel ?? tc("saving")) : (submitLabel ?? tc("save"))}
      </button>
      <button type="button" className="secondary" disabled={busy} onClick={onCancel}>
        {tc("cancel")}
      </button>
    </>
  );
}
