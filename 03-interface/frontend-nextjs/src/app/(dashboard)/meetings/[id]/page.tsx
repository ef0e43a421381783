import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getLocale, getTranslations } from "next-intl/server";
import { DeleteAndLeave } from "@/components/DeleteAndLeave";
import { MeetingStatusPanel } from "@/components/MeetingStatusPanel";
import { MeetingView } from "@/components/MeetingView";
import { load } from "@/lib/api/server";
import { ApiError } from "@/lib/api/errors";
import { downloadStem, formatDateTime, formatDuration } from "@/lib/format";
import { speakerStatistics } from "@/lib/speaker-stats";
import { parseFusionDocument } from "@/lib/transcript";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("meeting") };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `/meetings/{id}`: player, timeline, transcript, speakers and downloads of one meeting. */
export default async function MeetingPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  const here = `/meetings/${id}`;
  let meeting;
  try {
    meeting = await load((gw) => gw.GET("/api/v1/meetings/{meeting_id}", { params: { path: { meeting_id: id } } }), here);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  const title = meeting.title || meeting.original_filename;

  let document = null;
  if (meeting.status === "COMPLETED") {
    const body = await load(
      (gw) =>
        gw.GET("/api/v1/meetings/{meeting_id}/transcript", {
          params: { path: { meeting_id: id }, query: { format: "json" } },
          parseAs: "json",
        }),
      here,
    );
    document = parseFusionDocument(body);
  }

  const [t, locale] = await Promise.all([getTranslations("meeting"), getLocale()]);
  const facts = [formatDateTime(meeting.created_at, locale), formatDuration(meeting.duration_seconds, locale)];
  if (meeting.language) facts.push(meeting.language.toUpperCase());
  if (meeting.processing_time != null) facts.push(t("processedIn", { duration: formatDuration(meeting.processing_time, locale) }));
  return (
    <>
      <p>
        <Link href="/meetings">{t("back")}</Link>
      </p>
      <div className="row" style={{ justifyContent: "space-between", alignItems: "start" }}>
        <div>
          <h1 style={{ marginBottom: "0.25rem" }}>{title}</h1>
          <p className="muted" style={{ marginTop: 0 }}>
            {facts.join(" · ")}
          </p>
        </div>
        <DeleteAndLeave meetingId={meeting.id} title={title} />
      </div>
      {document ? (
        <MeetingView
          meetingId={meeting.id}
          fileStem={downloadStem(title)}
          document={document}
          statistics={speakerStatistics(meeting)}
        />
      ) : (
        <MeetingStatusPanel meeting={meeting} />
      )}
    </>
  );
}
