import { act, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithIntl } from "@/test/intl";
import { MeetingProgress } from "./MeetingProgress";
import type { StatusEventSource, StatusSnapshot } from "./useTaskStatus";
import { statusEventsUrl } from "./useTaskStatus";

/** An `EventSource` stand-in the test drives: `emit` delivers a message, `fail` an error. */
class FakeEventSource implements StatusEventSource {
  readyState = 1;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, Array<(event: MessageEvent<string>) => void>>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  emit(type: "status" | "final", data: object): void {
    act(() => {
      for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data: JSON.stringify(data) }));
    });
  }

  fail(readyState: number): void {
    this.readyState = readyState;
    act(() => this.onerror?.(new Event("error")));
  }
}

const pending: StatusSnapshot = { status: "PENDING", stage: null, progress: 0, error: null };

function opener() {
  const opened: FakeEventSource[] = [];
  const open = vi.fn((url: string) => {
    const source = new FakeEventSource(url);
    opened.push(source);
    return source;
  });
  return { open, opened };
}

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

async function tick(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("useTaskStatus with the event stream", () => {
  it("follows the stages pushed by the gateway, shows the ETA and settles on the final event without polling", async () => {
    const { open, opened } = opener();
    const fetcher = vi.fn(async () => pending);
    const onSettled = vi.fn();
    renderWithIntl(<MeetingProgress taskId="task/1" initial={pending} variant="page" events={open} fetcher={fetcher} onSettled={onSettled} />);
    expect(open).toHaveBeenCalledWith("/gw/api/v1/status/task%2F1/events");
    expect(statusEventsUrl("t")).toBe("/gw/api/v1/status/t/events");
    const source = opened[0]!;

    source.emit("status", { status: "PROCESSING", stage: "diarize", progress: 0.3, eta_seconds: null });
    expect(document.querySelector("[data-stage]")).toHaveAttribute("data-stage", "diarize");
    source.emit("status", { status: "PROCESSING", stage: "transcribe", progress: 0.6, eta_seconds: 42 });
    expect(document.querySelector("[data-stage]")).toHaveAttribute("data-progress", "0.6");
    expect(screen.getByText(/about 42 s left/)).toBeInTheDocument();

    source.emit("final", { status: "COMPLETED", error: null, result_url: null });
    expect(onSettled).toHaveBeenCalledWith(expect.objectContaining({ status: "COMPLETED", progress: 1, stage: "done" }));
    expect(source.closed).toBe(true);
    await tick(5000);
    expect(fetcher).not.toHaveBeenCalled();
    expect(screen.getByText("Completed")).toBeInTheDocument();
  });

  it("shows the failure reason of the final event", () => {
    const { open, opened } = opener();
    const onSettled = vi.fn();
    renderWithIntl(<MeetingProgress taskId="t" initial={pending} variant="page" events={open} onSettled={onSettled} />);
    opened[0]!.emit("status", { status: "PROCESSING", stage: "convert", progress: 0.02 });
    opened[0]!.emit("final", { status: "FAILED", error: "the file holds no audio stream", error_code: "no_audio_stream" });
    expect(screen.getByRole("alert")).toHaveTextContent("The file contains no audio track.");
    expect(screen.queryByText(/holds no audio stream/)).toBeNull();
    expect(onSettled).toHaveBeenCalledWith(expect.objectContaining({ status: "FAILED", stage: "convert" }));
  });

  it("falls back to polling when the stream is refused, and keeps waiting through reconnections", async () => {
    const { open, opened } = opener();
    const fetcher = vi.fn(async (): Promise<StatusSnapshot> => ({ status: "PROCESSING", stage: "fuse", progress: 0.9, error: null }));
    renderWithIntl(<MeetingProgress taskId="t" initial={pending} events={open} fetcher={fetcher} intervalMs={1000} />);
    const source = opened[0]!;
    source.fail(0); // a dropped connection: EventSource is reconnecting by itself
    await tick(3000);
    expect(fetcher).not.toHaveBeenCalled();
    expect(source.closed).toBe(false);

    source.fail(2); // an HTTP error: the browser gave up
    expect(source.closed).toBe(true);
    await tick(10);
    expect(fetcher).toHaveBeenCalledWith("t");
    expect(document.querySelector("[data-stage]")).toHaveAttribute("data-stage", "fuse");
  });

  it("uses the browser's EventSource on the meeting page, and polling in list rows", () => {
    const opened: string[] = [];
    vi.stubGlobal(
      "EventSource",
      class extends FakeEventSource {
        constructor(url: string) {
          super(url);
          opened.push(url);
        }
      },
    );
    try {
      const fetcher = vi.fn(async () => pending);
      renderWithIntl(<MeetingProgress taskId="row-task" initial={pending} fetcher={fetcher} />);
      expect(opened).toEqual([]);
      renderWithIntl(<MeetingProgress taskId="page-task" initial={pending} variant="page" fetcher={fetcher} />);
      expect(opened).toEqual(["/gw/api/v1/status/page-task/events"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("polls when the browser has no EventSource", async () => {
    const fetcher = vi.fn(async (): Promise<StatusSnapshot> => ({ status: "COMPLETED", stage: "done", progress: 1, error: null }));
    const onSettled = vi.fn();
    renderWithIntl(<MeetingProgress taskId="t" initial={pending} events={() => null} fetcher={fetcher} intervalMs={1000} onSettled={onSettled} />);
    await tick(1100);
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(onSettled).toHaveBeenCalledOnce();
  });
});
