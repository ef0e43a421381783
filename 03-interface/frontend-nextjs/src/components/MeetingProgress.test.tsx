import { act, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderWithIntl } from "@/test/intl";
import { MeetingProgress } from "./MeetingProgress";
import type { StatusEventSource, StatusSnapshot } from "./useTaskStatus";

/** An `EventSource` stand-in: `emit` delivers a message to the listeners. */
class FakeEventSource implements StatusEventSource {
  readyState = 1;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, Array<(event: MessageEvent<string>) => void>>();

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  emit(type: "status" | "final", data: object): void {
    act(() => {
      for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data: JSON.stringify(data) }));
    });
  }
}

const pending: StatusSnapshot = { status: "PENDING", stage: null, progress: 0, error: null };

describe("MeetingProgress on the meeting page", () => {
  it("keeps one event stream while the status changes, even with a new opener on every render", () => {
    const opened: FakeEventSource[] = [];
    const fetcher = vi.fn(async () => pending);
    // A new function on each render, as a caller (or the minifier's inlined default) may pass.
    const view = (locale: "en" | "fr" = "en") => (
      <MeetingProgress
        taskId="task-2"
        initial={pending}
        variant="page"
        fetcher={fetcher}
        events={() => {
          const source = new FakeEventSource();
          opened.push(source);
          return source;
        }}
      />
    );
    const { rerender } = renderWithIntl(view());
    expect(opened).toHaveLength(1);
    opened[0]!.emit("status", { status: "PROCESSING", stage: "diarize", progress: 0.2 });
    opened[0]!.emit("status", { status: "PROCESSING", stage: "transcribe", progress: 0.6, eta_seconds: 12 });
    rerender(view());
    expect(screen.getByText(/Transcribing, about 12 s left/)).toBeInTheDocument();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.closed).toBe(false);
    expect(fetcher).not.toHaveBeenCalled();
    opened[0]!.emit("final", { status: "COMPLETED" });
    expect(opened[0]!.closed).toBe(true);
    expect(screen.getByText("Completed")).toBeInTheDocument();
  });
});
