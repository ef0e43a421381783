"use client";
/**
 * Delete a meeting after an explicit confirmation (see `ConfirmButton`). Calls
 * `DELETE /api/v1/meetings/{id}`.
 */
import { useTranslations } from "next-intl";
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
  const t = useTranslations("meetings.delete");
  return (
    <ConfirmButton
      label={t("button")}
      ariaLabel={t("buttonLabel", { title })}
      heading={t("heading", { title })}
      confirmLabel={t("confirm")}
      busyLabel={t("busy")}
      onConfirm={() => deleteMeeting(meetingId)}
      onDone={onDeleted}
    >
      {t("body")}
    </ConfirmButton>
  );
}
