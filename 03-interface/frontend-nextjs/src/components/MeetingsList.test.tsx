import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MeetingPublic } from "@/lib/api/client";
import { DeleteMeetingButton } from "./DeleteMeetingButton";
import { MeetingsList } from "./MeetingsList";
import type { StatusSnapshot } from "./useTaskStatus";

const refresh = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh, push: vi.fn(), replace: vi.fn() }) }));

function meeting(overrides: Partial<MeetingPublic>): MeetingPublic {
  return {
    id: "0b7e2c1a-1111-4222-8333-444455556666",
    title: "Weekly sync",
    original_filename: "sync.m4a",
    content_type: "audio/mp4",
    size_bytes: 960_104,
    duration_seconds: null,
    language: null,
    status: "PENDING",
    stage: null,
    progress: 0,
    error: null,
    error_code: null,
    task_id: "task-1",
    options: { language: null, num_speakers: null, min_speakers: null, max_speakers: null },
    created_at: "2026-11-23T18:11:45Z",
    started_at: null,
    completed_at: null,
    processing_time: null,
    speakers: [],
    ...overrides,
  };
}

/** A status source that plays the given statuses in order, then repeats the last one. */
function statusScript(statuses: StatusSnapshot[]) {
  const fetcher = vi.fn(async (_taskId: string) => statuses[Math.min(fetcher.mock.calls.length - 1, statuses.length - 1)]!);
  return fetcher;
}

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  refresh.mockReset();
});
afterEach(() => vi.useRealTimers());

async function tick(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("MeetingsList", () => {
  it("follows a meeting through its stages, stops polling once COMPLETED and refreshes the page", async () => {
    const fetcher = statusScript([
      { status: "PROCESSING", stage: "diarize", progress: 0.25, error: null },
      { status: "PROCESSING", stage: "transcribe", progress: 0.6, error: null },
      { status: "COMPLETED", stage: "done", progress: 1, error: null },
    ]);
    render(<MeetingsList meetings={[meeting({})]} fetcher={fetcher} pollIntervalMs={1000} />);
    const row = screen.getByTestId("meeting-row");
    expect(within(row).getByText("Queued")).toBeInTheDocument();
    expect(within(row).getByRole("link", { name: "Weekly sync" })).toHaveAttribute("href", "/meetings/0b7e2c1a-1111-4222-8333-444455556666");
    expect(row).toHaveTextContent("960 KB");

    await tick(1000);
    expect(within(row).getByText("Processing")).toBeInTheDocument();
    expect(within(row).getByRole("progressbar", { name: "Processing progress" })).toHaveAttribute("aria-valuenow", "25");
    expect(row).toHaveTextContent("Finding who spoke when (diarize)");

    await tick(1000);
    expect(within(row).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "60");
    expect(row).toHaveTextContent("Transcribing (transcribe)");

    await tick(1000);
    expect(within(row).getByText("Completed")).toBeInTheDocument();
    expect(within(row).queryByRole("progressbar")).toBeNull();
    expect(refresh).toHaveBeenCalledTimes(1);

    const calls = fetcher.mock.calls.length;
    await tick(10_000);
    expect(fetcher.mock.calls.length).toBe(calls);
    expect(fetcher).toHaveBeenCalledWith("task-1");
  });

  it("shows why a meeting failed and does not poll settled meetings", async () => {
    const fetcher = statusScript([{ status: "FAILED", stage: "convert", progress: 0.05, error: "ffmpeg could not decode the file" }]);
    render(
      <MeetingsList
        meetings={[
          meeting({ id: "a0000000-0000-4000-8000-000000000001", task_id: "t-a" }),
          meeting({ id: "a0000000-0000-4000-8000-000000000002", task_id: "t-b", title: "Done", status: "COMPLETED", progress: 1, duration_seconds: 30, language: "en" }),
        ]}
        fetcher={fetcher}
        pollIntervalMs={500}
      />,
    );
    await tick(500);
    const [failed, done] = screen.getAllByTestId("meeting-row");
    expect(within(failed!).getByText("Failed")).toBeInTheDocument();
    expect(within(failed!).getByRole("alert")).toHaveTextContent("Processing failed: ffmpeg could not decode the file");
    expect(done).toHaveTextContent("30 s");
    expect(done).toHaveTextContent("EN");
    await tick(5000);
    expect(fetcher.mock.calls.every(([taskId]) => taskId === "t-a")).toBe(true);
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it("keeps polling through a network error and says so", async () => {
    const fetcher = vi
      .fn<(taskId: string) => Promise<StatusSnapshot>>()
      .mockRejectedValueOnce(new Error("Failed to fetch"))
      .mockResolvedValue({ status: "PROCESSING", stage: "fuse", progress: 0.9, error: null });
    render(<MeetingsList meetings={[meeting({})]} fetcher={fetcher} pollIntervalMs={1000} />);
    await tick(1000);
    expect(screen.getByText(/Lost contact with the server \(Failed to fetch\)/)).toBeInTheDocument();
    await tick(2000);
    expect(screen.queryByText(/Lost contact/)).toBeNull();
    expect(screen.getByTestId("meeting-row")).toHaveTextContent("Assembling the transcript (fuse)");
  });

  it("says there is nothing yet", () => {
    render(<MeetingsList meetings={[]} />);
    expect(screen.getByText(/No meetings yet/)).toBeInTheDocument();
  });
});

describe("DeleteMeetingButton", () => {
  it("deletes only after confirmation", async () => {
    vi.useRealTimers();
    const deleteMeeting = vi.fn(async () => {});
    const onDeleted = vi.fn();
    render(<DeleteMeetingButton meetingId="m1" title="Weekly sync" onDeleted={onDeleted} deleteMeeting={deleteMeeting} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Delete “Weekly sync”" }));
    const dialog = screen.getByRole("dialog", { name: "Delete “Weekly sync”?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(deleteMeeting).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Delete “Weekly sync”" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete for good" }));
    expect(deleteMeeting).toHaveBeenCalledWith("m1");
    expect(onDeleted).toHaveBeenCalledTimes(1);
  });

  it("shows the reason when the gateway refuses", async () => {
    vi.useRealTimers();
    const deleteMeeting = vi.fn(async () => {
      throw new Error("meeting m1 not found");
    });
    const onDeleted = vi.fn();
    render(<DeleteMeetingButton meetingId="m1" title="Weekly sync" onDeleted={onDeleted} deleteMeeting={deleteMeeting} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Delete “Weekly sync”" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete for good" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("meeting m1 not found");
    expect(onDeleted).not.toHaveBeenCalled();
  });
});
