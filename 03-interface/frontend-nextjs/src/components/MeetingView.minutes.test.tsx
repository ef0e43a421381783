import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { createGatewayClient } from "@/lib/api/client";
import { speakerStatistics } from "@/lib/speaker-stats";
import { parseFusionDocument } from "@/lib/transcript";
import { createWorkspaceApi } from "@/lib/workspace";
import { HAS_EVAL, NO_EVAL_REASON, sampleCallDocument } from "@/test/eval";
import { meetingBody, startFakeGateway } from "@/test/fake-gateway";
import { renderWithIntl } from "@/test/intl";
import { MeetingView } from "./MeetingView";

/** The meeting detail's speakers as the gateway reports them for the sample call. */
const detail = {
  speakers: [
    { label: "SPEAKER_00", display_name: null, talk_time_seconds: 9.911, turns: 5, words: 44, words_per_minute: 266.4, talk_share: 0.4552 },
    { label: "SPEAKER_01", display_name: null, talk_time_seconds: 11.861, turns: 4, words: 37, words_per_minute: 187.2, talk_share: 0.5448 },
  ],
};

describe.skipIf(!HAS_EVAL)(`MeetingView minutes and statistics on the sample call (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  const doc = parseFusionDocument(sampleCallDocument());

  it("offers the minutes as DOCX, PDF and Markdown next to the transcript formats", () => {
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="Réunion_vœux" document={doc} />);
    for (const [format, label] of [["docx", "DOCX"], ["pdf", "PDF"], ["md", "Markdown"]] as const) {
      const link = screen.getByRole("link", { name: `Download the minutes as ${label}` });
      expect(link).toHaveAttribute("href", `/gw/api/v1/meetings/m-1/transcript?format=${format}`);
      expect(link).toHaveAttribute("download", `Réunion_vœux.${format}`);
      expect(link).toHaveTextContent(label);
    }
    expect(screen.getByRole("link", { name: "Download the transcript as SRT" })).toBeInTheDocument();
  });

  it("shows each speaker's talk time, share, turns and words per minute", () => {
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} statistics={speakerStatistics(detail)} />);
    const list = screen.getByRole("list", { name: "Speakers" });
    const rows = within(list).getAllByRole("listitem");
    const meta = (label: string) => rows.find((li) => li.getAttribute("data-speaker-label") === label)?.querySelector(".speaker-meta")?.textContent;
    expect(meta("SPEAKER_00")).toBe("10 s · 46 % · 5 turns · 266 wpm");
    expect(meta("SPEAKER_01")).toBe("12 s · 54 % · 4 turns · 187 wpm");
  });

  it("keeps the statistics when a speaker is renamed (they follow the label)", async () => {
    // The gateway answers the rename with the meeting, its statistics recomputed.
    const gw = await startFakeGateway(sampleCallDocument(), meetingBody({ speakers: detail.speakers.map((s) => ({ ...s, similarity: null, match: "none" as const })) }));
    try {
      const api = createWorkspaceApi(() => createGatewayClient({ baseUrl: gw.url }));
      const meetingId = meetingBody().id;
      renderWithIntl(<MeetingView meetingId={meetingId} fileStem="sample" document={doc} statistics={speakerStatistics(detail)} api={api} />);
      const user = userEvent.setup();
      await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
      const input = screen.getByRole("textbox", { name: "New name for SPEAKER_01" });
      await user.clear(input);
      await user.type(input, "Sheila{Enter}");
      await waitFor(() => expect(gw.requests[0]).toEqual({ method: "PATCH", url: `/api/v1/meetings/${meetingId}/speakers/SPEAKER_01`, body: { name: "Sheila" } }));
      const row = (await within(screen.getByRole("list", { name: "Speakers" }).querySelector<HTMLElement>('li[data-speaker-label="SPEAKER_01"]')!).findByText("Sheila")).closest("li")!;
      expect(row.querySelector(".speaker-meta")).toHaveTextContent("12 s · 54 % · 4 turns · 187 wpm");
    } finally {
      await gw.close();
    }
  });

  it("falls back to the speech time of the transcript without statistics", () => {
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} statistics={speakerStatistics({ speakers: [] })} />);
    const metas = [...screen.getByRole("list", { name: "Speakers" }).querySelectorAll(".speaker-meta")].map((m) => m.textContent);
    expect(metas).toHaveLength(2);
    for (const text of metas) expect(text).toMatch(/^\d+ s of speech$/);
  });
});
