import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { VoiceBank } from "@/components/VoiceBank";
import { load } from "@/lib/api/server";
import { ApiError } from "@/lib/api/errors";
import { maxUploadBytes } from "@/lib/config";

export const metadata: Metadata = { title: "Voice bank" };

/** `/speakers`: the voice bank; a 404 when the gateway has no voice bank endpoints. */
export default async function SpeakersPage() {
  let people;
  try {
    people = await load((gw) => gw.GET("/api/v1/speakers"), "/speakers");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) notFound();
    throw err;
  }
  return (
    <>
      <h1>Voice bank</h1>
      <p className="muted">
        People enrolled here are recognised by their voice in new meetings (open set: a voice that matches nobody keeps its
        SPEAKER_nn label, and each name is used at most once per meeting).
      </p>
      <VoiceBank people={people} maxBytes={maxUploadBytes()} />
    </>
  );
}
