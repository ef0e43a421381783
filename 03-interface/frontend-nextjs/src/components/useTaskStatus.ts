"use client";
/**
 * Poll `GET /api/v1/status/{task_id}` while a meeting is PENDING or PROCESSING, and stop as
 * soon as it settles (COMPLETED or FAILED). Network errors back off (up to 15 s between
 * polls) and are reported, never fatal; polling pauses while the tab is hidden.
 */
import { useEffect, useRef, useState } from "react";
import { browserGateway } from "@/lib/api/browser";
import { type TaskStatus, unwrap } from "@/lib/api/client";
import { isSettled } from "./StatusBadge";

/** The fields of a task's status the UI shows. */
export type StatusSnapshot = Pick<TaskStatus, "status" | "stage" | "progress" | "error">;

/** Fetch one status (injectable for tests). */
export type StatusFetcher = (taskId: string) => Promise<StatusSnapshot>;

/** The default fetcher: the typed client through the `/gw` proxy. */
export const fetchTaskStatus: StatusFetcher = async (taskId) =>
  unwrap(await browserGateway().GET("/api/v1/status/{task_id}", { params: { path: { task_id: taskId } } }));

export interface UseTaskStatusOptions {
  /** Milliseconds between polls while healthy (default 1000). */
  intervalMs?: number;
  /** Called once when the status becomes COMPLETED or FAILED. */
  onSettled?: (status: StatusSnapshot) => void;
  fetcher?: StatusFetcher;
}

/**
 * @param taskId The task to follow.
 * @param initial The status the page was rendered with.
 * @returns The latest status and the last polling error (cleared by the next success).
 */
export function useTaskStatus(
  taskId: string,
  initial: StatusSnapshot,
  { intervalMs = 1000, onSettled, fetcher = fetchTaskStatus }: UseTaskStatusOptions = {},
): { status: StatusSnapshot; pollError: string | null } {
  const [status, setStatus] = useState<StatusSnapshot>(initial);
  const [pollError, setPollError] = useState<string | null>(null);
  const settledRef = useRef(onSettled);
  useEffect(() => {
    settledRef.current = onSettled;
  });
  const initialSettled = isSettled(initial.status);

  useEffect(() => {
    if (initialSettled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;

    const poll = async () => {
      if (stopped) return;
      if (typeof document !== "undefined" && document.visibilityState === "hidden") {
        timer = setTimeout(poll, intervalMs);
        return;
      }
      try {
        const next = await fetcher(taskId);
        if (stopped) return;
        failures = 0;
        setPollError(null);
        setStatus(next);
        if (isSettled(next.status)) {
          stopped = true;
          settledRef.current?.(next);
          return;
        }
      } catch (err) {
        if (stopped) return;
        failures += 1;
        setPollError(err instanceof Error ? err.message : String(err));
      }
      const delay = failures === 0 ? intervalMs : Math.min(15000, intervalMs * 2 ** failures);
      timer = setTimeout(poll, delay);
    };
    timer = setTimeout(poll, intervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [taskId, intervalMs, fetcher, initialSettled]);

  return { status, pollError };
}
