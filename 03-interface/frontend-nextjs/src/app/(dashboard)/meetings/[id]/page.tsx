import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { MeetingWorkspace } from "@/components/MeetingWorkspace";
import { load } from "@/lib/api/server";
import { ApiError } from "@/lib/api/errors";
import { hasVoiceBank } from "@/lib/features";
import { getToken } from "@/lib/session";
import { parseFusionDocument } from "@/lib/transcript";
import { parseFocus } from "@/lib/workspace";
import "./workspace.css";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("meeting") };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `/meetings/{id}`: the meeting's workspace (header, player, timeline, transcript, speakers,
 * downloads, corrections). `?t=<seconds>&segment=<index>` (links of the search page) opens it
 * at that utterance.
 */
export default async function MeetingPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ id }, query] = await Promise.all([params, searchParams]);
  if (!UUID.test(id)) notFound();
  const here = `/meetings/${id}`;
  const voiceBankFound = getToken().then((token) => (token ? hasVoiceBank(token) : false));
  let meeting;
  try {
    meeting = await load((gw) => gw.GET("/api/v1/meetings/{meeting_id}", { params: { path: { meeting_id: id } } }), here);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }

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

  const [t, voiceBank] = await Promise.all([getTranslations("meeting"), voiceBankFound]);
  return (
    <>
      <p>
        <Link href="/meetings">{t("back")}</Link>
      </p>
      {/* A new task (re-processing) or status gives a fresh workspace with the page's new data. */}
      <MeetingWorkspace
        key={`${meeting.task_id}:${meeting.status}`}
        meeting={meeting}
        document={document}
        voiceBank={voiceBank}
        focus={parseFocus(query.t, query.segment)}
      />
    </>
  );
}
