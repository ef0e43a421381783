"use client";
/** The meeting page's delete button: after deleting, go back to the list. */
import { useRouter } from "next/navigation";
import { DeleteMeetingButton } from "./DeleteMeetingButton";

export function DeleteAndLeave({ meetingId, title }: { meetingId: string; title: string }) {
  const router = useRouter();
  return (
    <DeleteMeetingButton
      meetingId={meetingId}
      title={title}
      onDeleted={() => {
        router.replace("/meetings");
        router.refresh();
      }}
    />
  );
}
