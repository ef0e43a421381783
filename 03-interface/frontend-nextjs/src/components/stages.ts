/**
 * Pipeline stages as the gateway reports them (`TaskStatus.stage`) and their labels.
 * Order: convert → diarize → identify → transcribe → fuse, then upload and done.
 */
export const STAGE_LABELS: Record<string, string> = {
  queued: "Waiting for a worker",
  download: "Fetching the recording",
  convert: "Converting the audio",
  diarize: "Finding who spoke when",
  identify: "Recognising voices",
  transcribe: "Transcribing",
  fuse: "Assembling the transcript",
  upload: "Saving the results",
  done: "Done",
};

/**
 * Human label of a stage.
 *
 * @param stage The stage name from the gateway, or null before the worker starts.
 * @param status The meeting status (PENDING without a stage reads "Waiting for a worker").
 */
export function stageLabel(stage: string | null | undefined, status?: string): string {
  if (!stage) return status === "PENDING" ? STAGE_LABELS.queued! : "Starting";
  return STAGE_LABELS[stage] ?? stage;
}
