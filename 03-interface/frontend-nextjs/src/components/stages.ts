/**
 * Pipeline stages as the gateway reports them (`TaskStatus.stage`) and their labels
 * (`stages.<name>` in the messages). Order: convert → diarize → identify → transcribe → fuse,
 * then upload and done.
 */
import { type Message, msg } from "@/i18n/message";

/** The stages with a label of their own. */
export const STAGES = ["queued", "download", "convert", "diarize", "identify", "transcribe", "fuse", "upload", "done"] as const;

/**
 * Human label of a stage.
 *
 * @param stage The stage name from the gateway, or null before the worker starts.
 * @param status The meeting status (PENDING without a stage reads "Waiting for a worker").
 * @returns `stages.<stage>`; `stages.starting` without a stage; `stages.working` for a stage
 *   this dashboard does not know (its internal name is not shown).
 */
export function stageLabel(stage: string | null | undefined, status?: string): Message {
  if (!stage) return msg(status === "PENDING" ? "stages.queued" : "stages.starting");
  return msg((STAGES as readonly string[]).includes(stage) ? (`stages.${stage}` as Message["key"]) : "stages.working");
}
