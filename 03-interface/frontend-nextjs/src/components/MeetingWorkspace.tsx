"use client";
/**
 * The whole meeting page below the "back" link: the header (title, facts, edited badge,
 * revert, re-process, delete) and, for a COMPLETED meeting, the player, transcript and
 * speakers (`MeetingView`); while the meeting is processing (or re-processing) its progress
 * (`MeetingStatusPanel`, which refreshes the page when the task settles).
 *
 * It keeps the meeting as the gateway last returned it (revision, `edited_at`, speaker
 * statistics) and the transcript shown: "Revert all edits" replaces both; "Re-process" shows
 * the progress of the new task until it completes, then the page reloads with the new result.
 */
import { useRouter } from "next/navigation";
import { useCallback, useMemo, useState } from "react";
import type { MeetingPublic, ProcessAccepted } from "@/lib/api/client";
import { downloadStem } from "@/lib/format";
import { speakerStatistics } from "@/lib/speaker-stats";
import type { FusionDocument } from "@/lib/transcript";
import { gatewayWorkspaceApi, type WorkspaceApi } from "@/lib/workspace";
import { MeetingHeader } from "./MeetingHeader";
import { MeetingStatusPanel } from "./MeetingStatusPanel";
import { type MeetingFocus, MeetingView } from "./MeetingView";

export interface MeetingWorkspaceProps {
  meeting: MeetingPublic;
  /** The transcript (null until the meeting is COMPLETED). */
  document: FusionDocument | null;
  /** The gateway has a voice bank (offer "Enrol" on each speaker). */
  voiceBank?: boolean;
  /** Open at this utterance / time (`?t=` and `?segment=` of the page's URL). */
  focus?: MeetingFocus | null | undefined;
  api?: WorkspaceApi;
}

export function MeetingWorkspace({ meeting: initialMeeting, document: initialDocument, voiceBank = false, focus, api = gatewayWorkspaceApi }: MeetingWorkspaceProps) {
  const router = useRouter();
  const [meeting, setMeeting] = useState(initialMeeting);
  const [doc, setDoc] = useState(initialDocument);
  const [task, setTask] = useState<ProcessAccepted | null>(null);
  const statistics = useMemo(() => speakerStatistics(meeting), [meeting]);
  const title = meeting.title || meeting.original_filename;

  const revert = useCallback(async () => {
    const reverted = await api.revert(meeting.id);
    setMeeting(reverted);
    try {
      setDoc(await api.transcript(meeting.id));
    } catch {
      router.refresh(); // the page reloads the document
    }
  }, [api, meeting.id, router]);

  // While the new task runs: its progress, as for a new upload; the page reloads once it settles.
  const running: MeetingPublic | null = task
    ? { ...meeting, status: task.status, stage: null, progress: 0, error: null, error_code: null, task_id: task.task_id }
    : null;

  return (
    <>
      <MeetingHeader
        meeting={meeting}
        api={api}
        onMeetingChange={setMeeting}
        onRevert={revert}
        onReprocessStarted={setTask}
        reprocessing={task !== null}
      />
      {running ? (
        <MeetingStatusPanel meeting={running} />
      ) : doc && meeting.status === "COMPLETED" ? (
        <MeetingView
          meetingId={meeting.id}
          fileStem={downloadStem(title)}
          document={doc}
          statistics={statistics}
          api={api}
          onMeetingChange={setMeeting}
          voiceBank={voiceBank}
          focus={focus}
        />
      ) : (
        <MeetingStatusPanel meeting={meeting} />
      )}
    </>
  );
}
