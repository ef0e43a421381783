import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createGatewayClient } from "@/lib/api/client";
import { parseFusionDocument } from "@/lib/transcript";
import { createWorkspaceApi, type WorkspaceApi } from "@/lib/workspace";
import { HAS_EVAL, NO_EVAL_REASON, sampleCallDocument } from "@/test/eval";
import { type FakeGateway, meetingBody, startFakeGateway } from "@/test/fake-gateway";
import { renderWithIntl } from "@/test/intl";
import { MeetingWorkspace } from "./MeetingWorkspace";
import { reprocessOptions } from "./ReprocessDialog";

const refresh = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh, push: vi.fn(), replace: vi.fn() }) }));

const MEETING_ID = meetingBody().id;
const BASE = `/api/v1/meetings/${MEETING_ID}`;

describe.skipIf(!HAS_EVAL)(`MeetingWorkspace on the sample call (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());
  let gw: FakeGateway;
  let api: WorkspaceApi;

  beforeEach(async () => {
    refresh.mockClear();
    gw = await startFakeGateway(sampleCallDocument());
    api = createWorkspaceApi(() => createGatewayClient({ baseUrl: gw.url }));
  });
  afterEach(async () => {
    await gw.close();
  });

  it("changes the title with the pencil (Enter saves, Escape cancels) and names the downloads after it", async () => {
    renderWithIntl(<MeetingWorkspace meeting={meetingBody()} document={doc} api={api} />);
    const user = userEvent.setup();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Sample call");
    await user.click(screen.getByRole("button", { name: "Edit the title" }));
    await user.type(screen.getByRole("textbox", { name: "Title of the meeting" }), " again{Escape}");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent(/^Sample call$/);
    expect(gw.requests).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Edit the title" }));
    const input = screen.getByRole("textbox", { name: "Title of the meeting" });
    await user.clear(input);
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Enter a title.");
    await user.type(input, "Diane and Sheila  {Enter}");
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Diane and Sheila"));
    expect(gw.requests).toEqual([{ method: "PATCH", url: BASE, body: { title: "Diane and Sheila" } }]);
    expect(screen.getByRole("link", { name: "Download the minutes as DOCX" })).toHaveAttribute("download", "Diane_and_Sheila.docx");
    // A title is metadata: no "Edited" badge.
    expect(screen.queryByTestId("edited-badge")).toBeNull();
  });

  it("shows the gateway's refusal of a title as a sentence", async () => {
    gw.failNext(/^PATCH /, 400, "invalid_name");
    renderWithIntl(<MeetingWorkspace meeting={meetingBody()} document={doc} api={api} />, { locale: "fr" });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Modifier le titre" }));
    await user.type(screen.getByRole("textbox", { name: "Titre de la réunion" }), "!{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent(/^Un nom doit tenir sur une ligne/);
  });

  it("marks the meeting Edited after a correction, and reverts every edit after a confirmation", async () => {
    renderWithIntl(<MeetingWorkspace meeting={meetingBody()} document={doc} api={api} />);
    const user = userEvent.setup();
    expect(screen.queryByTestId("edited-badge")).toBeNull();
    expect(screen.queryByRole("button", { name: "Revert all edits" })).toBeNull();
    const first = () => screen.getByRole("list", { name: "Transcript" }).querySelector("li.utterance")!;
    await user.click(within(first() as HTMLElement).getByRole("button", { name: /^Edit the utterance/ }));
    const box = screen.getByRole("textbox", { name: /Words of the utterance/ });
    await user.clear(box);
    await user.type(box, "Hello there?{Enter}");
    const badge = await screen.findByTestId("edited-badge");
    expect(badge).toHaveTextContent("Edited");
    expect(badge).toHaveAttribute("data-revision", "1");
    expect(screen.getByText("last edit 24 Nov 2026, 09:30")).toBeInTheDocument();
    expect(first()).toHaveTextContent("Hello there?");

    await user.click(screen.getByRole("button", { name: "Revert all edits" }));
    const dialog = screen.getByRole("dialog", { name: "Revert all edits?" });
    expect(dialog).toHaveTextContent("goes back to the machine result");
    await user.click(within(dialog).getByRole("button", { name: "Revert all edits" }));
    await waitFor(() => expect(screen.queryByTestId("edited-badge")).toBeNull());
    expect(gw.requests.filter((r) => r.method === "POST")).toEqual([{ method: "POST", url: `${BASE}/revert`, body: undefined }]);
    await waitFor(() => expect(first()).toHaveTextContent(/^0:06\s*SPEAKER_00\s*Hello\?/));
  });

  it("re-processes with the options chosen, warns that edits are replaced, then follows the new task", async () => {
    renderWithIntl(<MeetingWorkspace meeting={meetingBody({ revision: 2, edited_at: "2026-11-24T09:30:00Z" })} document={doc} api={api} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Re-process" }));
    const dialog = screen.getByRole("dialog", { name: "Re-process the recording" });
    expect(within(dialog).getByText("The new result replaces the current transcript: your edits will be lost.")).toBeInTheDocument();
    // The meeting's options to start with: English, exactly 2 speakers.
    expect(within(dialog).getByLabelText("Language")).toHaveValue("en");
    expect(within(dialog).getByLabelText("Speakers")).toHaveValue("exact");
    await user.selectOptions(within(dialog).getByLabelText("Language"), "fr");
    await user.selectOptions(within(dialog).getByLabelText("Speakers"), "range");
    await user.type(within(dialog).getByLabelText("At least"), "3");
    await user.type(within(dialog).getByLabelText("At most"), "2");
    await user.click(within(dialog).getByRole("button", { name: "Re-process" }));
    expect(within(dialog).getByRole("alert")).toHaveTextContent("The minimum is larger than the maximum.");
    await user.clear(within(dialog).getByLabelText("At most"));
    await user.type(within(dialog).getByLabelText("At most"), "4");
    await user.click(within(dialog).getByRole("button", { name: "Re-process" }));
    await waitFor(() =>
      expect(gw.requests).toEqual([
        { method: "POST", url: `${BASE}/reprocess`, body: { language: "fr", num_speakers: null, min_speakers: 3, max_speakers: 4 } },
      ]),
    );
    // The transcript gives way to the progress of the new task (as after an upload).
    const panel = await screen.findByRole("region", { name: "Processing status" });
    expect(within(panel).getByText("Queued")).toBeInTheDocument();
    expect(screen.queryByRole("list", { name: "Transcript" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Re-process" })).toBeNull();
    expect(screen.queryByTestId("edited-badge")).toBeNull();
  });

  it("explains in French why re-processing is refused", async () => {
    gw.failNext(/reprocess$/, 409, "conflict");
    renderWithIntl(<MeetingWorkspace meeting={meetingBody()} document={doc} api={api} />, { locale: "fr" });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Retraiter" }));
    const dialog = screen.getByRole("dialog", { name: "Retraiter l’enregistrement" });
    expect(dialog).toHaveTextContent("Le nouveau résultat remplace la transcription actuelle.");
    await user.click(within(dialog).getByRole("button", { name: "Retraiter" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(/^Impossible pour le moment/);
    expect(screen.getByRole("list", { name: "Transcription" })).toBeInTheDocument();
  });

  it("shows the progress panel and re-process for a failed meeting, without revert", () => {
    const failed = meetingBody({ status: "FAILED", stage: null, error: "no audio", error_code: "no_audio_stream" });
    renderWithIntl(<MeetingWorkspace meeting={failed} document={null} api={api} />);
    expect(screen.getByRole("heading", { name: "This recording could not be processed" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("The file contains no audio track.");
    expect(screen.getByRole("button", { name: "Re-process" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Revert all edits" })).toBeNull();
  });
});

describe("reprocessOptions", () => {
  it("sends every option, so the meeting gets exactly what the form shows", () => {
    expect(reprocessOptions("auto", "auto", "2", "", "")).toEqual([{ language: "auto", num_speakers: null, min_speakers: null, max_speakers: null }, null]);
    expect(reprocessOptions("fr", "exact", "3", "", "")).toEqual([{ language: "fr", num_speakers: 3, min_speakers: null, max_speakers: null }, null]);
    expect(reprocessOptions("en", "range", "", "2", "")).toEqual([{ language: "en", num_speakers: null, min_speakers: 2, max_speakers: null }, null]);
    expect(reprocessOptions("en", "exact", "0", "", "")).toEqual([null, { key: "uploader.errors.exactRange", values: { min: 1, max: 64 } }]);
  });
});
