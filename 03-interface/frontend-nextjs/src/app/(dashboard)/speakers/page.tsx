import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { VoiceBank } from "@/components/VoiceBank";
import { load } from "@/lib/api/server";
import { ApiError } from "@/lib/api/errors";
import { maxUploadBytes } from "@/lib/config";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("voiceBank") };
}

/** `/speakers`: the voice bank; a 404 when the gateway has no voice bank endpoints. */
export default async function SpeakersPage() {
  let people;
  try {
    people = await load((gw) => gw.GET("/api/v1/speakers"), "/speakers");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) notFound();
    throw err;
  }
  const t = await getTranslations("voiceBank");
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <VoiceBank people={people} maxBytes={maxUploadBytes()} />
    </>
  );
}
