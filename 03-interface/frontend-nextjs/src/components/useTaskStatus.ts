"use client";
/**
 * Follow a task while its meeting is PENDING or PROCESSING, and stop as soon as it settles
 * (COMPLETED or FAILED).
 *
 * The live path is the gateway's Server-Sent Events stream `GET /api/v1/status/{task_id}/events`
 * (through the `/gw` proxy): an `status` event on every change of status, stage or progress
 * (with an ETA once measurable), then one `final` event. When the browser has no
 * `EventSource`, or the stream fails (an HTTP error, or three errors in a row without a
 * message), the hook falls back to polling `GET /api/v1/status/{task_id}`: network errors back
 * off (up to 15 s between polls) and are reported, never fatal; polling pauses while the tab is
 * hidden.
 */
import { useEffect, useRef, useState } from "react";
import { browserGateway, proxied } from "@/lib/api/browser";
import { type TaskStatus, unwrap } from "@/lib/api/client";
import { isSettled } from "./StatusBadge";

/**
 * The fields of a task's status the UI shows; `eta_seconds` only comes with the event stream,
 * `error_code` (the reason's stable code, shown in the user's language) with polling and the
 * stream's `final` event.
 */
export type StatusSnapshot = Pick<TaskStatus, "status" | "stage" | "progress" | "error"> & {
  error_code?: string | null;
  eta_seconds?: number | null;
};

/** Fetch one status (injectable for tests). */
export type StatusFetcher = (taskId: string) => Promise<StatusSnapshot>;

/** The default fetcher: the typed client through the `/gw` proxy. */
export const fetchTaskStatus: StatusFetcher = async (taskId) =>
  unwrap(await browserGateway().GET("/api/v1/status/{task_id}", { params: { path: { task_id: taskId } } }));

/** The part of `EventSource` the hook uses. */
export interface StatusEventSource {
  readonly readyState: number;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: "status" | "final", listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** Open the event stream at `url`, or `null` where there is no `EventSource` (then polling is used). */
export type StatusEventsOpener = (url: string) => StatusEventSource | null;

/** The default opener: the browser's `EventSource`, when it has one. */
export const openStatusEvents: StatusEventsOpener = (url) =>
  typeof EventSource === "undefined" ? null : (new EventSource(url) as unknown as StatusEventSource);

/** Dashboard URL of a task's event stream (through the `/gw` proxy). */
export function statusEventsUrl(taskId: string): string {
  return proxied(`/api/v1/status/${encodeURIComponent(taskId)}/events`);
}

/** `EventSource.CLOSED`: the browser gave up (an HTTP error status or a wrong content type). */
const CLOSED = 2;
/** Stream errors in a row (without a message between) after which polling takes over. */
const MAX_STREAM_ERRORS = 3;

export interface UseTaskStatusOptions {
  /** Milliseconds between polls while healthy (default 1000). */
  intervalMs?: number;
  /** Called once when the status becomes COMPLETED or FAILED. */
  onSettled?: (status: StatusSnapshot) => void;
  fetcher?: StatusFetcher;
  /** Opens the event stream; `null` polls only. Default: {@link openStatusEvents}. */
  events?: StatusEventsOpener | null;
}

interface StatusEventData {
  status: TaskStatus["status"];
  stage?: string | null;
  progress?: number;
  eta_seconds?: number | null;
  error?: string | null;
  error_code?: string | null;
}

/**
 * @param taskId The task to follow.
 * @param initial The status the page was rendered with.
 * @returns The latest status, the last error (cleared by the next success), and whether the
 *   live stream (rather than polling) is in use.
 */
export function useTaskStatus(
  taskId: string,
  initial: StatusSnapshot,
  { intervalMs = 1000, onSettled, fetcher = fetchTaskStatus, events = openStatusEvents }: UseTaskStatusOptions = {},
): { status: StatusSnapshot; pollError: string | null; live: boolean } {
  const [status, setStatus] = useState<StatusSnapshot>(initial);
  const [pollError, setPollError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const settledRef = useRef(onSettled);
  // The fetcher and the opener are read from refs: a caller (or the minifier, which may inline
  // the default opener into the parameter list) can pass a new function on every render, and
  // the stream must not be reopened on each status event because of it.
  const fetcherRef = useRef(fetcher);
  const eventsRef = useRef(events);
  useEffect(() => {
    settledRef.current = onSettled;
    fetcherRef.current = fetcher;
    eventsRef.current = events;
  });
  const streamed = events !== null;
  const initialSettled = isSettled(initial.status);
  const initialRef = useRef(initial);

  useEffect(() => {
    if (initialSettled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let latest: StatusSnapshot = initialRef.current;
    let source: StatusEventSource | null = null;

    const settle = (next: StatusSnapshot) => {
      stopped = true;
      source?.close();
      settledRef.current?.(next);
    };

    const poll = async () => {
      if (stopped) return;
      if (typeof document !== "undefined" && document.visibilityState === "hidden") {
        timer = setTimeout(poll, intervalMs);
        return;
      }
      try {
        const next = await fetcherRef.current(taskId);
        if (stopped) return;
        failures = 0;
        setPollError(null);
        latest = next;
        setStatus(next);
        if (isSettled(next.status)) return settle(next);
      } catch (err) {
        if (stopped) return;
        failures += 1;
        setPollError(err instanceof Error ? err.message : String(err));
      }
      const delay = failures === 0 ? intervalMs : Math.min(15000, intervalMs * 2 ** failures);
      timer = setTimeout(poll, delay);
    };

    const fallBackToPolling = () => {
      source?.close();
      source = null;
      setLive(false);
      if (!stopped) timer = setTimeout(poll, 0);
    };

    const open = eventsRef.current;
    source = open ? open(statusEventsUrl(taskId)) : null;
    if (source) {
      let streamErrors = 0;
      const parse = (event: MessageEvent<string>): StatusEventData | null => {
        try {
          return JSON.parse(event.data) as StatusEventData;
        } catch {
          return null;
        }
      };
      setLive(true);
      source.addEventListener("status", (event) => {
        const data = parse(event);
        if (stopped || !data) return;
        streamErrors = 0;
        setPollError(null);
        latest = {
          status: data.status,
          stage: data.stage ?? null,
          progress: data.progress ?? 0,
          error: data.error ?? null,
          error_code: data.error_code ?? latest.error_code ?? null,
          eta_seconds: data.eta_seconds ?? null,
        };
        setStatus(latest);
      });
      source.addEventListener("final", (event) => {
        const data = parse(event);
        if (stopped || !data) return;
        const completed = data.status === "COMPLETED";
        latest = {
          status: data.status,
          stage: completed ? "done" : latest.stage,
          progress: completed ? 1 : latest.progress,
          error: data.error ?? null,
          error_code: data.error_code ?? null,
          eta_seconds: null,
        };
        setStatus(latest);
        settle(latest);
      });
      source.onerror = () => {
        if (stopped || !source) return;
        streamErrors += 1;
        // EventSource reconnects by itself (CONNECTING) after a dropped connection; it is
        // CLOSED after an HTTP error, which polling reports (and a 401 signs the user out).
        if (source.readyState === CLOSED || streamErrors >= MAX_STREAM_ERRORS) fallBackToPolling();
      };
    } else {
      timer = setTimeout(poll, intervalMs);
    }
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [taskId, intervalMs, streamed, initialSettled]);

  return { status, pollError, live };
}
