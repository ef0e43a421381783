// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HAS_EVAL, NO_EVAL_REASON, sampleCallDocument } from "@/test/eval";
import { type FakeGateway, meetingBody, startFakeGateway } from "@/test/fake-gateway";
import { createGatewayClient } from "./api/client";
import { ApiError } from "./api/errors";
import { parseFusionDocument } from "./transcript";
import {
  applySegmentChange,
  cleanSegmentText,
  createWorkspaceApi,
  hasIdentifiedName,
  mergeInDocument,
  parseFocus,
  positionOfIndex,
  rejectInDocument,
  segmentChange,
  segmentIndex,
  speakerChoices,
} from "./workspace";

const ID = meetingBody().id;
const BASE = `/api/v1/meetings/${ID}`;

describe.skipIf(!HAS_EVAL)(`the workspace calls against a local HTTP server (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  let gw: FakeGateway;
  beforeAll(async () => {
    gw = await startFakeGateway(sampleCallDocument());
  });
  afterAll(() => gw.close());
  const api = () => createWorkspaceApi(() => createGatewayClient({ baseUrl: gw.url }));

  it("sends each correction as the gateway's routes expect it and returns the meeting", async () => {
    const a = api();
    expect((await a.editSegment(ID, 6, { text: "This is Diane in Newark." })).revision).toBe(1);
    expect((await a.editSegment(ID, 3, { speaker: "SPEAKER_01" })).revision).toBe(2);
    await a.renameSpeaker(ID, "SPEAKER_00", "Diane");
    await a.renameSpeaker(ID, "SPEAKER_00", null);
    await a.mergeSpeakers(ID, ["SPEAKER_01"], "SPEAKER_00");
    const person = await a.enrolSpeaker(ID, "SPEAKER_00", "Diane");
    expect(person).toMatchObject({ name: "Diane", status: "READY" });
    await a.rejectSpeaker(ID, "SPEAKER_00");
    expect((await a.setTitle(ID, "Weekly sync")).title).toBe("Weekly sync");
    expect(await a.revisions(ID)).toEqual({ items: [], current: 7 }); // the title is no revision
    expect((await a.revert(ID)).revision).toBe(0);
    expect(await a.reprocess(ID, { language: "auto", num_speakers: null })).toMatchObject({ task_id: "task-2", status: "PENDING" });
    expect(gw.requests.map(({ method, url, body }) => [method, url.replace(BASE, "…"), body])).toEqual([
      ["PATCH", "…/segments/6", { text: "This is Diane in Newark." }],
      ["PATCH", "…/segments/3", { speaker: "SPEAKER_01" }],
      ["PATCH", "…/speakers/SPEAKER_00", { name: "Diane" }],
      ["PATCH", "…/speakers/SPEAKER_00", { name: null }],
      ["POST", "…/speakers/merge", { from: ["SPEAKER_01"], into: "SPEAKER_00" }],
      ["POST", "…/speakers/SPEAKER_00/enroll", { name: "Diane" }],
      ["POST", "…/speakers/SPEAKER_00/reject", undefined],
      ["PATCH", "…", { title: "Weekly sync" }],
      ["GET", "…/revisions", undefined],
      ["POST", "…/revert", undefined],
      ["POST", "…/reprocess", { language: "auto", num_speakers: null }],
    ]);
  });

  it("reads the transcript as a validated, sorted document that keeps the gateway's indexes", async () => {
    const doc = await api().transcript(ID);
    expect(gw.requests.at(-1)).toMatchObject({ method: "GET", url: `${BASE}/transcript?format=json` });
    expect(doc.segments).toHaveLength(13);
    expect(doc.segments.map((s) => s.index)).toEqual([...Array(13).keys()]);
  });

  it("throws the gateway's code as an ApiError", async () => {
    gw.failNext(/segments/, 400, "invalid_text");
    const err = await api()
      .editSegment(ID, 2, { text: "x" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: "invalid_text" });
  });
});

describe.skipIf(!HAS_EVAL)(`document edits on the sample call (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());

  it("maps between the dashboard's sorted positions and the gateway's indexes", () => {
    const shuffled = sampleCallDocument();
    shuffled.segments = [...shuffled.segments].reverse(); // the gateway's order differs from start order
    const parsed = parseFusionDocument(shuffled);
    expect(parsed.segments[0]!.text).toBe("Hello?");
    expect(segmentIndex(parsed, 0)).toBe(12);
    expect(positionOfIndex(parsed, 12)).toBe(0);
    expect(positionOfIndex(parsed, 99)).toBe(-1);
  });

  it("sends only what changed, the text cleaned as the gateway stores it", () => {
    const u = doc.segments[6]!;
    expect(segmentChange(u, "  This is Diane\nin New   Jersey. ", "SPEAKER_00")).toBeNull();
    expect(segmentChange(u, "This is Diane in Newark.", "SPEAKER_00")).toEqual({ text: "This is Diane in Newark." });
    expect(segmentChange(u, u.text, "SPEAKER_01")).toEqual({ speaker: "SPEAKER_01" });
    expect(cleanSegmentText(" a \t b ")).toBe("a b");
  });

  it("applies a correction, a merge and a rejection like the gateway", () => {
    const edited = applySegmentChange(doc, 6, { text: "This is Diane in Newark.", speaker: "SPEAKER_01" });
    expect(edited.segments[6]).toMatchObject({ text: "This is Diane in Newark.", words: [], speaker_label: "SPEAKER_01", speaker: "SPEAKER_01" });
    expect(edited.segments[5]).toBe(doc.segments[5]);

    const merged = mergeInDocument(doc, ["SPEAKER_01"], "SPEAKER_00");
    expect(merged.speakers.map((s) => s.label)).toEqual(["SPEAKER_00"]);
    expect(new Set(merged.segments.map((s) => s.speaker_label))).toEqual(new Set(["SPEAKER_00"]));
    expect(speakerChoices(merged)).toEqual([{ label: "SPEAKER_00", name: "SPEAKER_00" }]);

    const named = { ...doc, speakers: doc.speakers.map((s) => (s.label === "SPEAKER_00" ? { ...s, name: "Katie", match: "confident" as const } : s)) };
    expect(hasIdentifiedName(named, "SPEAKER_00")).toBe(true);
    expect(hasIdentifiedName(named, "SPEAKER_01")).toBe(false);
    const rejected = rejectInDocument(named, "SPEAKER_00");
    expect(rejected.speakers[0]).toMatchObject({ name: null, match: "none" });
    expect(hasIdentifiedName(rejected, "SPEAKER_00")).toBe(false);
  });
});

describe("parseFocus", () => {
  it("reads ?t= and ?segment= of a search link, and nothing that is not a time or an index", () => {
    expect(parseFocus("14.5", "7")).toEqual({ time: 14.5, segment: 7 });
    expect(parseFocus(undefined, "3")).toEqual({ segment: 3 });
    expect(parseFocus(["12", "13"], undefined)).toEqual({ time: 12 });
    expect(parseFocus("-1", "2.5")).toBeNull();
    expect(parseFocus("", "")).toBeNull();
    expect(parseFocus("abc", "x")).toBeNull();
    expect(parseFocus(undefined, undefined)).toBeNull();
  });
});
