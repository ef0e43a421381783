"use client";
/**
 * A button that asks for an explicit confirmation in a modal `<dialog>` before a destructive
 * action: the native modal where the browser has one (focus trapped, Escape cancels, the page
 * behind is inert), a plain open `<dialog>` otherwise. The action's error stays in the dialog,
 * as the sentence of its code in the user's language (`describeError`).
 */
import { useTranslations } from "next-intl";
import { type ReactNode, useId, useRef, useState } from "react";
import type { Message } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { describeError } from "@/lib/api/errors";

export interface ConfirmButtonProps {
  /** Text of the button that opens the dialog. */
  label: string;
  /** Accessible name of that button (e.g. which meeting it deletes). */
  ariaLabel: string;
  /** The dialog's heading. */
  heading: ReactNode;
  /** What will happen, in one sentence. */
  children: ReactNode;
  /** Text of the confirming button, and while the action runs. */
  confirmLabel: string;
  busyLabel: string;
  /** The action; a rejection is shown in the dialog and nothing else happens. */
  onConfirm: () => Promise<void>;
  /** Called after the action succeeded and the dialog closed. */
  onDone?: () => void;
}

export function ConfirmButton({ label, ariaLabel, heading, children, confirmLabel, busyLabel, onConfirm, onDone }: ConfirmButtonProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const titleId = useId();
  const t = useTranslations("common");
  const text = useMessageText();

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
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      close();
      onDone?.();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="danger" onClick={show} aria-label={ariaLabel}>
        {label}
      </button>
      <dialog ref={dialogRef} aria-labelledby={titleId} open={open || undefined} onClose={() => setOpen(false)}>
        <h2 id={titleId}>{heading}</h2>
        <p>{children}</p>
        {error ? (
          <p className="alert error" role="alert">
            {text(error)}
          </p>
        ) : null}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="secondary" onClick={close} disabled={busy} autoFocus>
            {t("cancel")}
          </button>
          <button type="button" className="danger solid" onClick={confirm} disabled={busy}>
            {busy ? busyLabel : confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
