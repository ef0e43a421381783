"use client";
/**
 * A button that asks for an explicit confirmation in a modal `<dialog>` before a destructive
 * action: the native modal where the browser has one (focus trapped, Escape cancels, the page
 * behind is inert), a plain open `<dialog>` otherwise. The action's error stays in the dialog,
 * as the sentence of its code in the user's language (`describeError`).
 */
import { type ReactNode, useId } from "react";
import { useModalDialog } from "@/lib/useModalDialog";
import { DialogFooter } from "./DialogFooter";

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
  const dialog = useModalDialog();
  const titleId = useId();

  return (
    <>
      <button type="button" className="danger" onClick={dialog.show} aria-label={ariaLabel}>
        {label}
      </button>
      <dialog ref={dialog.dialogRef} aria-labelledby={titleId} open={dialog.open || undefined} onClose={dialog.onClose}>
        <h2 id={titleId}>{heading}</h2>
        <p>{children}</p>
        <DialogFooter
          error={dialog.error}
          busy={dialog.busy}
          onCancel={dialog.close}
          confirmLabel={confirmLabel}
          busyLabel={busyLabel}
          onConfirm={() => void dialog.run(onConfirm, onDone)}
          confirmClassName="danger solid"
          focusCancel
        />
      </dialog>
    </>
  );
}
