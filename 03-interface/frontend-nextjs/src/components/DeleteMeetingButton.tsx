"use client";
/**
 * Delete a meeting after an explicit confirmation (see `ConfirmButton`). Calls
 * `DELETE /api/v1/meetings/{id}`.
 */
import { browserGateway } from "@/lib/api/browser";
import { unwrap } from "@/lib/api/client";
import { ConfirmButton } from "./ConfirmButton";

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
  return (
    <ConfirmButton
      label="Delete"
      ariaLabel={`Delete “${title}”`}
      heading={`Delete “${title}”?`}
      confirmLabel="Delete for good"
      busyLabel="Deleting…"
      onConfirm={() => deleteMeeting(meetingId)}
      onDone={onDeleted}
    >
      The recording, the transcript and every export are removed for good.
    </ConfirmButton>
  );
}
