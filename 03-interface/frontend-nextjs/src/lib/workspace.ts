/**
 * The meeting workspace: the gateway calls that correct a meeting's transcript (utterance
 * text and speaker, speaker names, merges, "not this person", enrolment in the voice bank,
 * title, revert, re-process), and the pure edits the page applies to its copy of the fusion
 * document as soon as the gateway accepted a change (before it reloads the exact document,
 * whose word timings the gateway recomputes).
 *
 * Every edit is stored by the gateway as a new revision of the transcript (`revision` and
 * `edited_at` of the meeting); `revert` goes back to the machine result (revision 0).
 */
import { browserGateway } from "./api/browser";
import { type GatewayClient, type MeetingPublic, type ProcessAccepted, type Schemas, unwrap } from "./api/client";
import { displayName, type FusionDocument, labelOf, parseFusionDocument, renameInDocument, speakerLabels, type Utterance } from "./transcript";
import type { Person } from "./voice-bank";

/** `GET /api/v1/meetings/{id}/revisions`: the edits, oldest first, and the current revision. */
export type RevisionList = Schemas["RevisionList"];
/** Body of `POST /api/v1/meetings/{id}/reprocess` (a field left out keeps the meeting's option). */
export type ReprocessOptions = Schemas["ReprocessRequest"];

/** What a correction of one utterance changes: its text, its speaker label, or both. */
export interface SegmentChange {
  text?: string;
  /** A speaker label of the transcript, e.g. `SPEAKER_01`. */
  speaker?: string;
}

/** The workspace's gateway calls (injectable: tests point them at a local HTTP server). */
export interface WorkspaceApi {
  /** `GET /meetings/{id}`: the meeting now (revision, `edited_at`, speaker statistics). */
  meeting: (meetingId: string) => Promise<MeetingPublic>;
  /** `GET /meetings/{id}/transcript?format=json`, validated. */
  transcript: (meetingId: string) => Promise<FusionDocument>;
  /** `PATCH /meetings/{id}` `{title}`; 400 `invalid_name` for a title that is not one line. */
  setTitle: (meetingId: string, title: string) => Promise<MeetingPublic>;
  /**
   * `PATCH /meetings/{id}/segments/{index}`; 400 `invalid_text` / `unknown_speaker`, 404 for
   * an index out of range, 409 until the meeting is COMPLETED.
   */
  editSegment: (meetingId: string, index: number, change: SegmentChange) => Promise<MeetingPublic>;
  /** `PATCH /meetings/{id}/speakers/{label}` `{name}`; `null` shows the label again. */
  renameSpeaker: (meetingId: string, label: string, name: string | null) => Promise<MeetingPublic>;
  /** `POST /meetings/{id}/speakers/merge` `{from, into}`: the `from` speakers disappear. */
  mergeSpeakers: (meetingId: string, from: string[], into: string) => Promise<MeetingPublic>;
  /** `POST /meetings/{id}/speakers/{label}/reject`: the voice bank's name goes; 409 when unnamed. */
  rejectSpeaker: (meetingId: string, label: string) => Promise<MeetingPublic>;
  /**
   * `POST /meetings/{id}/speakers/{label}/enroll` `{name}` (201): the speaker's voiceprint
   * from this meeting joins the voice bank under `name`, and the speaker is renamed; 409 when
   * the meeting kept no voiceprint of that speaker.
   */
  enrolSpeaker: (meetingId: string, label: string, name: string) => Promise<Person>;
  /** `POST /meetings/{id}/revert`: the machine result again (revision 0). */
  revert: (meetingId: string) => Promise<MeetingPublic>;
  /** `GET /meetings/{id}/revisions`. */
  revisions: (meetingId: string) => Promise<RevisionList>;
  /** `POST /meetings/{id}/reprocess` (202): a new task; 409 while PENDING or PROCESSING. */
  reprocess: (meetingId: string, options: ReprocessOptions) => Promise<ProcessAccepted>;
}

/**
 * The workspace calls over a gateway client.
 *
 * @param client Returns the client to use (default: the browser's, through the `/gw` proxy;
 *   called on each request, so the module can be imported on the server).
 */
export function createWorkspaceApi(client: () => GatewayClient = browserGateway): WorkspaceApi {
  const meeting = (meetingId: string) => ({ path: { meeting_id: meetingId } });
  const speaker = (meetingId: string, label: string) => ({ path: { meeting_id: meetingId, label } });
  return {
    meeting: async (meetingId) => unwrap(await client().GET("/api/v1/meetings/{meeting_id}", { params: meeting(meetingId) })),
    transcript: async (meetingId) => {
      const body = unwrap(
        await client().GET("/api/v1/meetings/{meeting_id}/transcript", {
          params: { ...meeting(meetingId), query: { format: "json" } },
          parseAs: "json",
        }),
      );
      return parseFusionDocument(body);
    },
    setTitle: async (meetingId, title) =>
      unwrap(await client().PATCH("/api/v1/meetings/{meeting_id}", { params: meeting(meetingId), body: { title } })),
    editSegment: async (meetingId, index, change) =>
      unwrap(
        await client().PATCH("/api/v1/meetings/{meeting_id}/segments/{index}", {
          params: { path: { meeting_id: meetingId, index } },
          body: change,
        }),
      ),
    renameSpeaker: async (meetingId, label, name) =>
      unwrap(await client().PATCH("/api/v1/meetings/{meeting_id}/speakers/{label}", { params: speaker(meetingId, label), body: { name } })),
    mergeSpeakers: async (meetingId, from, into) =>
      unwrap(await client().POST("/api/v1/meetings/{meeting_id}/speakers/merge", { params: meeting(meetingId), body: { from, into } })),
    rejectSpeaker: async (meetingId, label) =>
      unwrap(await client().POST("/api/v1/meetings/{meeting_id}/speakers/{label}/reject", { params: speaker(meetingId, label) })),
    enrolSpeaker: async (meetingId, label, name) =>
      unwrap(await client().POST("/api/v1/meetings/{meeting_id}/speakers/{label}/enroll", { params: speaker(meetingId, label), body: { name } })),
    revert: async (meetingId) => unwrap(await client().POST("/api/v1/meetings/{meeting_id}/revert", { params: meeting(meetingId) })),
    revisions: async (meetingId) => unwrap(await client().GET("/api/v1/meetings/{meeting_id}/revisions", { params: meeting(meetingId) })),
    reprocess: async (meetingId, options) =>
      unwrap(await client().POST("/api/v1/meetings/{meeting_id}/reprocess", { params: meeting(meetingId), body: options })),
  };
}

/** The workspace calls of the browser (through the `/gw` proxy). */
export const gatewayWorkspaceApi: WorkspaceApi = createWorkspaceApi();

/** Longest utterance text the gateway accepts (characters). */
export const MAX_SEGMENT_TEXT = 10_000;
/** Longest meeting title the gateway accepts (characters). */
export const MAX_TITLE = 255;

/**
 * The gateway's index of the utterance at `position` of the dashboard's (sorted) segments.
 *
 * @returns `utterance.index` when the document was parsed by `parseFusionDocument`, else `position`.
 */
export function segmentIndex(doc: FusionDocument, position: number): number {
  return doc.segments[position]?.index ?? position;
}

/**
 * Where the utterance the gateway calls `index` is in the dashboard's segments.
 *
 * @returns A position, or -1 when no utterance has that index.
 */
export function positionOfIndex(doc: FusionDocument, index: number): number {
  return doc.segments.findIndex((u, position) => (u.index ?? position) === index);
}

/** The text of a change as the gateway stores it: one line, whitespace runs made one space. */
export function cleanSegmentText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * The fields of a correction that differ from the utterance (what to send), or `null` when
 * nothing changes.
 *
 * @param utterance The utterance as shown.
 * @param text The text typed (cleaned with {@link cleanSegmentText}).
 * @param speaker The label chosen.
 */
export function segmentChange(utterance: Utterance, text: string, speaker: string): SegmentChange | null {
  const change: SegmentChange = {};
  const clean = cleanSegmentText(text);
  if (clean !== cleanSegmentText(utterance.text)) change.text = clean;
  if (speaker !== labelOf(utterance)) change.speaker = speaker;
  return change.text === undefined && change.speaker === undefined ? null : change;
}

/**
 * A copy of `doc` with the utterance at `position` corrected as the gateway does it: the new
 * text (its words' timings are unknown until the document is reloaded, so the words go and the
 * text is shown), and the new speaker label with that speaker's display name.
 */
export function applySegmentChange(doc: FusionDocument, position: number, change: SegmentChange): FusionDocument {
  const segments = doc.segments.map((u, i) => {
    if (i !== position) return u;
    let next: Utterance = u;
    if (change.text !== undefined && change.text !== u.text) next = { ...next, text: change.text, words: [] };
    if (change.speaker !== undefined) next = { ...next, speaker_label: change.speaker, speaker: displayName(doc, change.speaker) };
    return next;
  });
  return { ...doc, segments };
}

/**
 * A copy of `doc` where every utterance of the `from` labels belongs to `into` (shown with
 * its name), and the `from` speakers are gone, as `POST …/speakers/merge` does.
 */
export function mergeInDocument(doc: FusionDocument, from: readonly string[], into: string): FusionDocument {
  const gone = new Set(from.filter((label) => label !== into));
  const name = displayName(doc, into);
  return {
    ...doc,
    speakers: doc.speakers.filter((s) => !gone.has(s.label)),
    segments: doc.segments.map((u) => (gone.has(labelOf(u)) ? { ...u, speaker_label: into, speaker: name } : u)),
  };
}

/** A copy of `doc` where `label` lost the name identification gave it (it shows its label, match `none`). */
export function rejectInDocument(doc: FusionDocument, label: string): FusionDocument {
  const out = renameInDocument(doc, label, null);
  return { ...out, speakers: out.speakers.map((s) => (s.label === label ? { ...s, match: "none" as const } : s)) };
}

/** One speaker as a choice of the reassign and merge lists: its label and the name shown. */
export interface SpeakerChoice {
  label: string;
  name: string;
}

/** The speakers of `doc` in the order of the speaker list, with their display names. */
export function speakerChoices(doc: FusionDocument): SpeakerChoice[] {
  return speakerLabels(doc).map((label) => ({ label, name: displayName(doc, label) }));
}

/**
 * Whether `label` carries a name that identification gave (confident or unsure voice-bank
 * match, never renamed by hand): the one "not this person" applies to.
 */
export function hasIdentifiedName(doc: FusionDocument, label: string): boolean {
  const speaker = doc.speakers.find((s) => s.label === label);
  return Boolean(speaker?.name?.trim() && (speaker.match === "confident" || speaker.match === "unsure"));
}

/**
 * Where the page should start from a link such as `?t=12.5&segment=3` (the search page's).
 *
 * @param t Seconds from the start of the recording (query value).
 * @param segment The gateway's utterance index (query value).
 * @returns The parsed values that are valid (finite, not negative; the index a whole number), or
 *   `null` when neither is.
 */
export function parseFocus(t: string | string[] | undefined, segment: string | string[] | undefined): { time?: number; segment?: number } | null {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const time = Number(first(t) ?? Number.NaN);
  const index = Number(first(segment) ?? Number.NaN);
  const out: { time?: number; segment?: number } = {};
  if (first(t)?.trim() && Number.isFinite(time) && time >= 0) out.time = time;
  if (first(segment)?.trim() && Number.isInteger(index) && index >= 0) out.segment = index;
  return out.time === undefined && out.segment === undefined ? null : out;
}
