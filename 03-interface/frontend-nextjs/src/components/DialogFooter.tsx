"use client";
/**
 * The end of a modal dialog that runs an action (`ConfirmButton`, `ReprocessDialog`): the
 * action's error, as the sentence of its code in the user's language, then Cancel and the
 * confirming button (its busy text while the action runs; both disabled meanwhile).
 */
import { useTranslations } from "next-intl";
import type { Message } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";

export interface DialogFooterProps {
  /** The last attempt's error, or null. */
  error: Message | null;
  busy: boolean;
  onCancel: () => void;
  /** Text of the confirming button, and while the action runs. */
  confirmLabel: string;
  busyLabel: string;
  /** The confirming button's action; without one it submits the dialog's form. */
  onConfirm?: (() => void) | undefined;
  /** Class of the confirming button (e.g. `danger solid` for a destructive action). */
  confirmClassName?: string | undefined;
  /** Focus Cancel when the dialog opens (the safe choice before a destructive action). */
  focusCancel?: boolean;
}

export function DialogFooter({ error, busy, onCancel, confirmLabel, busyLabel, onConfirm, confirmClassName, focusCancel = false }: DialogFooterProps) {
  const t = useTranslations("common");
  const text = useMessageText();
  return (
    <>
      {error ? (
        <p className="alert error" role="alert">
          {text(error)}
        </p>
      ) : null}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="secondary" onClick={onCancel} disabled={busy} autoFocus={focusCancel}>
          {t("cancel")}
        </button>
        <button type={onConfirm ? "button" : "submit"} className={confirmClassName} onClick={onConfirm} disabled={busy}>
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </>
  );
}
