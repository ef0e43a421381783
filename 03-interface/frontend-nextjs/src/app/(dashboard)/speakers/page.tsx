import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { VoiceBank } from "@/components/VoiceBank";
import { ApiError, errorMessage } from "@/lib/api/errors";
import { gatewayUrl, maxUploadBytes } from "@/lib/config";
import { requireToken } from "@/lib/session";
import { parseVoiceBank } from "@/lib/voice-bank";

export const metadata: Metadata = { title: "Voice bank" };

/** `/speakers`: the voice bank; a 404 while the gateway has no voice bank endpoints. */
export default async function SpeakersPage() {
  const token = await requireToken("/speakers");
  let response: Response;
  try {
    response = await fetch(`${gatewayUrl()}/api/v1/speakers`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(`The gateway cannot be reached (${err instanceof Error ? err.message : String(err)}).`, 502);
  }
  if (response.status === 401) redirect("/session/expired?next=%2Fspeakers");
  if (response.status === 404 || response.status === 405) notFound();
  if (!response.ok) throw new ApiError(errorMessage(await response.json().catch(() => null), response.status), response.status);
  const people = parseVoiceBank(await response.json());
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
