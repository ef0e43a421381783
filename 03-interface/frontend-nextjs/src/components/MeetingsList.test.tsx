import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MeetingPublic } from "@/lib/api/client";
import { ApiError } from "@/lib/api/errors";
import { renderWithIntl } from "@/test/intl";
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
    revision: 0,
    edited_at: null,
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
    renderWithIntl(<MeetingsList meetings={[meeting({})]} fetcher={fetcher} pollIntervalMs={1000} />);
    const row = screen.getByTestId("meeting-row");
    expect(within(row).getByText("Queued")).toBeInTheDocument();
    expect(within(row).getByRole("link", { name: "Weekly sync" })).toHaveAttribute("href", "/meetings/0b7e2c1a-1111-4222-8333-444455556666");
    expect(row).toHaveTextContent("960 KB");

    await tick(1000);
    expect(within(row).getByText("Processing")).toBeInTheDocument();
    expect(within(row).getByRole("progressbar", { name: "Processing progress" })).toHaveAttribute("aria-valuenow", "25");
    expect(row).toHaveTextContent("Finding who spoke when");
    expect(row).not.toHaveTextContent("diarize");

    await tick(1000);
    expect(within(row).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "60");
    expect(row).toHaveTextContent("Transcribing");

    await tick(1000);
    expect(within(row).getByText("Completed")).toBeInTheDocument();
    expect(within(row).queryByRole("progressbar")).toBeNull();
    expect(refresh).toHaveBeenCalledTimes(1);

    const calls = fetcher.mock.calls.length;
    await tick(10_000);
    expect(fetcher.mock.calls.length).toBe(calls);
    expect(fetcher).toHaveBeenCalledWith("task-1");
  });

  it("shows why a meeting failed (from its code, never the raw reason) and does not poll settled meetings", async () => {
    const fetcher = statusScript([
      { status: "FAILED", stage: "convert", progress: 0.05, error: "ffmpeg: Invalid data found when processing input", error_code: "audio_undecodable" },
    ]);
    renderWithIntl(
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
    expect(within(failed!).getByRole("alert")).toHaveTextContent(
      "The file could not be decoded as audio; it may be damaged or in a format the server cannot read.",
    );
    expect(failed).not.toHaveTextContent("ffmpeg");
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
    renderWithIntl(<MeetingsList meetings={[meeting({})]} fetcher={fetcher} pollIntervalMs={1000} />);
    await tick(1000);
    expect(screen.getByText("Lost contact with the server; retrying…")).toBeInTheDocument();
    expect(screen.queryByText(/Failed to fetch/)).toBeNull();
    await tick(2000);
    expect(screen.queryByText(/Lost contact/)).toBeNull();
    expect(screen.getByTestId("meeting-row")).toHaveTextContent("Assembling the transcript");
  });

  it("says there is nothing yet", () => {
    renderWithIntl(<MeetingsList meetings={[]} />);
    expect(screen.getByText(/No meetings yet/)).toBeInTheDocument();
  });

  it("speaks French: status, sizes, dates, speaker count and the failure reason", async () => {
    const fetcher = statusScript([{ status: "FAILED", stage: "convert", progress: 0.05, error: "x", error_code: "no_audio_stream" }]);
    renderWithIntl(
      <MeetingsList
        meetings={[
          meeting({ id: "a0000000-0000-4000-8000-000000000001", task_id: "t-a" }),
          meeting({
            id: "a0000000-0000-4000-8000-000000000002",
            task_id: "t-b",
            title: "Bilan",
            status: "COMPLETED",
            progress: 1,
            duration_seconds: 187,
            speakers: [{ label: "SPEAKER_00" }, { label: "SPEAKER_01" }] as MeetingPublic["speakers"],
          }),
        ]}
        fetcher={fetcher}
        pollIntervalMs={500}
      />,
      { locale: "fr" },
    );
    await tick(500);
    const [failed, done] = screen.getAllByTestId("meeting-row");
    expect(within(failed!).getByText("Échec")).toBeInTheDocument();
    expect(within(failed!).getByRole("alert")).toHaveTextContent("Le fichier ne contient aucune piste audio.");
    expect(within(done!).getByText("Terminée")).toBeInTheDocument();
    // French typography: the number and its unit never part (toHaveTextContent would fold the spaces).
    expect(done!.textContent).toContain("960\u00a0ko");
    expect(done!.textContent).toContain("3\u00a0min\u00a007\u00a0s");
    expect(done).toHaveTextContent("23 nov. 2026 à 18:11");
    expect(done).toHaveTextContent("2 intervenants");
  });
});

describe("DeleteMeetingButton", () => {
  it("deletes only after confirmation", async () => {
    vi.useRealTimers();
    const deleteMeeting = vi.fn(async () => {});
    const onDeleted = vi.fn();
    renderWithIntl(<DeleteMeetingButton meetingId="m1" title="Weekly sync" onDeleted={onDeleted} deleteMeeting={deleteMeeting} />);
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

  it("shows the reason when the gateway refuses, as the sentence of its code", async () => {
    vi.useRealTimers();
    const deleteMeeting = vi.fn(async () => {
      throw new ApiError("no meeting 0b7e2c1a-1111-4222-8333-444455556666", 404, "not_found");
    });
    const onDeleted = vi.fn();
    renderWithIntl(<DeleteMeetingButton meetingId="m1" title="Weekly sync" onDeleted={onDeleted} deleteMeeting={deleteMeeting} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Delete “Weekly sync”" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete for good" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("It no longer exists, or it belongs to another account.");
    expect(screen.queryByText(/0b7e2c1a/)).toBeNull();
    expect(onDeleted).not.toHaveBeenCalled();
  });
});
