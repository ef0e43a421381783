"use client";
/**
 * Delete a meeting after an explicit confirmation in a modal `<dialog>` (focus is trapped by the
 * browser, Escape cancels). Calls `DELETE /api/v1/meetings/{id}`.
 */
import { useId, useRef, useState } from "react";
import { browserGateway } from "@/lib/api/browser";
import { unwrap } from "@/lib/api/client";

export interface DeleteMeetingButtonProps {
  meetingId: string;
  title: string;
  /** Called after the gateway confirmed the deletion. */
  onDeleted: () => void;
  /** Performs the deletion (injectable for tests). */
  deleteMeeting?: (meetingId: string) => Promise<void>;
}

async function deleteViaGateway(meetingId: string): Promise<void> {
  unwrap(await browserGateway().DELETE("/api/v1/meetings/{meeting_id}", { params: { path: { meeting_id: meetingId } } }));
}

export function DeleteMeetingButton({ meetingId, title, onDeleted, deleteMeeting = deleteViaGateway }: DeleteMeetingButtonProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();

  // The native modal dialog where the browser has one (focus trap, Escape, inert page);
  // a plain open <dialog> otherwise.
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
      await deleteMeeting(meetingId);
      close();
      onDeleted();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="danger" onClick={show} aria-label={`Delete “${title}”`}>
        Delete
      </button>
      <dialog ref={dialogRef} aria-labelledby={titleId} open={open || undefined} onClose={() => setOpen(false)}>
        <h2 id={titleId}>Delete “{title}”?</h2>
        <p>The recording, the transcript and every export are removed for good.</p>
        {error ? (
          <p className="alert error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="secondary" onClick={close} disabled={busy} autoFocus>
            Cancel
          </button>
          <button type="button" className="danger solid" onClick={confirm} disabled={busy}>
            {busy ? "Deleting…" : "Delete for good"}
          </button>
        </div>
      </dialog>
    </>
  );
}
