"use client";
/**
 * A modal `<dialog>` that runs one action (`ConfirmButton`, `ReprocessDialog`): opening and
 * closing it — the native modal where the browser has one (focus trapped, Escape cancels, the
 * page behind is inert), a plain open `<dialog>` otherwise — and the action's state: busy while
 * it runs, its error (the sentence of its code, `describeError`) kept in the dialog, the dialog
 * closed once it succeeded.
 */
import { type RefObject, useCallback, useRef, useState } from "react";
import type { Message } from "@/i18n/message";
import { describeError } from "@/lib/api/errors";

export interface ModalDialog {
  /** Attach to the `<dialog>` element. */
  dialogRef: RefObject<HTMLDialogElement | null>;
  /** True while the fallback (non-modal) dialog is open: pass `open={open || undefined}`. */
  open: boolean;
  /** Open the dialog (a no-op when it is open), without the last attempt's error. */
  show: () => void;
  /** Close the dialog. */
  close: () => void;
  /** The dialog's `onClose` handler (Escape, or `close()`). */
  onClose: () => void;
  /** Whether the action runs now. */
  busy: boolean;
  /** The last attempt's error (or a refusal set with `setError`), else null. */
  error: Message | null;
  setError: (error: Message | null) => void;
  /**
   * Run the action: busy meanwhile; on success the dialog closes and `then` gets the result;
   * a rejection becomes `error` and the dialog stays open.
   */
  run: <T>(action: () => Promise<T>, then?: (result: T) => void) => Promise<void>;
}

export function useModalDialog(): ModalDialog {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const show = useCallback(() => {
    setError(null);
    const dialog = dialogRef.current;
    if (dialog && typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      setOpen(true);
    }
  }, []);
  const close = useCallback(() => {
    const dialog = dialogRef.current;
    if (dialog?.open && typeof dialog.close === "function") dialog.close();
    setOpen(false);
  }, []);
  const onClose = useCallback(() => setOpen(false), []);
  const run = useCallback(
    async <T,>(action: () => Promise<T>, then?: (result: T) => void) => {
      setBusy(true);
      setError(null);
      try {
        const result = await action();
        close();
        then?.(result);
      } catch (err) {
        setError(describeError(err));
      } finally {
        setBusy(false);
      }
    },
    [close],
  );
  return { dialogRef, open, show, close, onClose, busy, error, setError, run };
}
