import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { speakerStatistics } from "@/lib/speaker-stats";
import { parseFusionDocument } from "@/lib/transcript";
import { HAS_EVAL, NO_EVAL_REASON, sampleCallDocument } from "@/test/eval";
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
    const rename = vi.fn(async () => {});
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} statistics={speakerStatistics(detail)} renameSpeaker={rename} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename SPEAKER_01" }));
    const input = screen.getByRole("textbox", { name: "New name for SPEAKER_01" });
    await user.clear(input);
    await user.type(input, "Sheila{Enter}");
    expect(rename).toHaveBeenCalledWith("m-1", "SPEAKER_01", "Sheila");
    const row = within(screen.getByRole("list", { name: "Speakers" })).getByText("Sheila").closest("li")!;
    expect(row.querySelector(".speaker-meta")).toHaveTextContent("12 s · 54 % · 4 turns · 187 wpm");
  });

  it("falls back to the speech time of the transcript without statistics", () => {
    renderWithIntl(<MeetingView meetingId="m-1" fileStem="sample" document={doc} statistics={speakerStatistics({ speakers: [] })} />);
    const metas = [...screen.getByRole("list", { name: "Speakers" }).querySelectorAll(".speaker-meta")].map((m) => m.textContent);
    expect(metas).toHaveLength(2);
    for (const text of metas) expect(text).toMatch(/^\d+ s of speech$/);
  });
});
