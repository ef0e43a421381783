/**
 * A stand-in gateway for one meeting, on a real local HTTP server (`startServer`): it answers
 * the workspace routes of `/api/v1/meetings/{id}` the way the gateway does (JSON bodies,
 * status codes, `{error, code, detail}` errors), keeps the transcript it serves up to date
 * with the edits it receives, and records every request so that tests can check what the
 * dashboard sent. A test can make the next request to a route fail with `failNext`.
 */
import type http from "node:http";
import type { MeetingPublic } from "@/lib/api/client";
import type { FusionDocument } from "@/lib/transcript";
import { readBody, startServer } from "./http-server";

/** One request the fake gateway received. */
export interface SeenRequest {
  method: string;
  /** Path and query, e.g. `/api/v1/meetings/m-1/segments/3`. */
  url: string;
  /** The parsed JSON body, or undefined. */
  body: unknown;
}

export interface FakeGateway {
  url: string;
  requests: SeenRequest[];
  /** The transcript as the fake gateway serves it now. */
  doc: () => FusionDocument;
  meeting: () => MeetingPublic;
  /** Answer the next request whose `METHOD path` matches `route` with this status and error code. */
  failNext: (route: RegExp, status: number, code: string) => void;
  close: () => Promise<void>;
}

/** A meeting as `GET /api/v1/meetings/{id}` returns it (COMPLETED, unedited). */
export function meetingBody(overrides: Partial<MeetingPublic> = {}): MeetingPublic {
  return {
    id: "5b0c1a2e-0000-4000-8000-000000000001",
    title: "Sample call",
    original_filename: "sample.wav",
    content_type: "audio/wav",
    size_bytes: 960_044,
    duration_seconds: 30,
    language: "en",
    status: "COMPLETED",
    stage: "done",
    progress: 1,
    error: null,
    error_code: null,
    task_id: "task-1",
    options: { language: "en", num_speakers: 2, min_speakers: null, max_speakers: null },
    created_at: "2026-11-23T18:11:00Z",
    started_at: "2026-11-23T18:11:01Z",
    completed_at: "2026-11-23T18:11:40Z",
    processing_time: 39,
    revision: 0,
    edited_at: null,
    speakers: [],
    ...overrides,
  };
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The words of a corrected text: its time span shared evenly (as the gateway does for replaced words). */
function spreadWords(text: string, start: number, end: number) {
  const tokens = text.split(" ").filter(Boolean);
  const step = tokens.length ? (end - start) / tokens.length : 0;
  return tokens.map((token, i) => ({ word: ` ${token}`, start: start + i * step, end: start + (i + 1) * step, probability: 1 }));
}

/**
 * Start the fake gateway for `meeting` with the transcript `doc` (as the gateway stores it:
 * `segments` in the gateway's order).
 */
export async function startFakeGateway(doc: FusionDocument, meeting: MeetingPublic = meetingBody()): Promise<FakeGateway> {
  const original = clone(doc);
  let current = clone(doc);
  let state = clone(meeting);
  const requests: SeenRequest[] = [];
  const failures: { route: RegExp; status: number; code: string }[] = [];
  const base = `/api/v1/meetings/${state.id}`;

  const edited = () => {
    state = { ...state, revision: state.revision + 1, edited_at: "2026-11-24T09:30:00Z" };
    return state;
  };
  const label = (s: { speaker_label?: string | undefined; speaker: string }) => s.speaker_label ?? s.speaker;
  const nameOf = (l: string) => current.speakers.find((s) => s.label === l)?.name || l;
  const rename = (l: string, name: string | null) => {
    current.speakers = current.speakers.map((s) => (s.label === l ? { ...s, name, match: "none" } : s));
    current.segments = current.segments.map((s) => (label(s) === l ? { ...s, speaker: name || l } : s));
  };

  const handler: http.RequestListener = async (req, res) => {
    const raw = (await readBody(req)).text;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    requests.push({ method, url, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const error = (status: number, code: string, detail = code) => json(status, { error: "Error", code, detail });
    const failure = failures.findIndex((f) => f.route.test(`${method} ${url}`));
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return error(f!.status, f!.code, `gateway wording for ${f!.code}`);
    }
    const path = url.split("?")[0] ?? url;
    const b = (body ?? {}) as Record<string, unknown>;

    if (method === "GET" && path === `${base}/transcript`) return json(200, current);
    if (method === "GET" && path === base) return json(200, state);
    if (method === "PATCH" && path === base) {
      state = { ...state, title: String(b.title) };
      return json(200, state);
    }
    let m = path.match(new RegExp(`^${base}/segments/(\\d+)$`));
    if (method === "PATCH" && m) {
      const index = Number(m[1]);
      const segment = current.segments[index];
      if (!segment) return error(404, "not_found");
      if (typeof b.speaker === "string" && !current.speakers.some((s) => s.label === b.speaker)) return error(400, "unknown_speaker");
      if (typeof b.text === "string") {
        Object.assign(segment, { text: b.text, words: spreadWords(b.text, segment.start, segment.end) });
      }
      if (typeof b.speaker === "string") Object.assign(segment, { speaker_label: b.speaker, speaker: nameOf(b.speaker) });
      return json(200, edited());
    }
    if (method === "POST" && path === `${base}/speakers/merge`) {
      const from = (b.from as string[]) ?? [];
      const into = String(b.into);
      current.speakers = current.speakers.filter((s) => !from.includes(s.label));
      current.segments = current.segments.map((s) => (from.includes(label(s)) ? { ...s, speaker_label: into, speaker: nameOf(into) } : s));
      return json(200, edited());
    }
    m = path.match(new RegExp(`^${base}/speakers/([^/]+)(/reject|/enroll)?$`));
    if (m) {
      const who = decodeURIComponent(m[1]!);
      if (!current.speakers.some((s) => s.label === who)) return error(404, "not_found");
      if (method === "PATCH" && !m[2]) {
        rename(who, typeof b.name === "string" && b.name.trim() ? b.name.trim() : null);
        return json(200, edited());
      }
      if (method === "POST" && m[2] === "/reject") {
        if (!current.speakers.find((s) => s.label === who)?.name) return error(409, "conflict");
        rename(who, null);
        return json(200, edited());
      }
      if (method === "POST" && m[2] === "/enroll") {
        rename(who, String(b.name));
        edited();
        const now = "2026-11-24T09:31:00Z";
        return json(201, { id: "9d9c0000-0000-4000-8000-000000000009", name: b.name, status: "READY", error: null, error_code: null, num_samples: 1, created_at: now, updated_at: now });
      }
    }
    if (method === "POST" && path === `${base}/revert`) {
      current = clone(original);
      state = { ...state, revision: 0, edited_at: null };
      return json(200, state);
    }
    if (method === "GET" && path === `${base}/revisions`) return json(200, { items: [], current: state.revision });
    if (method === "POST" && path === `${base}/reprocess`) {
      state = { ...state, status: "PENDING", task_id: "task-2" };
      return json(202, { meeting_id: state.id, task_id: "task-2", status: "PENDING", status_url: "/api/v1/status/task-2" });
    }
    return error(404, "not_found");
  };

  const server = await startServer(handler);
  return {
    url: server.url,
    requests,
    doc: () => current,
    meeting: () => state,
    failNext: (route, status, code) => failures.push({ route, status, code }),
    close: server.close,
  };
}
