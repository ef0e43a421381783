"use client";
/**
 * Voice bank: the enrolled people, a form to enrol a person from a recording (uploaded with
 * progress to `POST /api/v1/speakers`, fields `name` and `file`), and removal with confirmation
 * (`DELETE /api/v1/speakers/{id}`).
 */
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useRef, useState } from "react";
import { proxied } from "@/lib/api/browser";
import { errorMessage } from "@/lib/api/errors";
import { formatBytes, formatDateTime } from "@/lib/format";
import { ACCEPT_ATTRIBUTE, uploadRecording, type UploadProgress, validateRecording } from "@/lib/upload";
import { type EnrolledSpeaker, sampleCount, speakerKey } from "@/lib/voice-bank";
import { ProgressBar } from "./ProgressBar";

export function VoiceBank({ people, maxBytes }: { people: EnrolledSpeaker[]; maxBytes: number }) {
  const router = useRouter();
  const fileRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState("");
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const ids = { name: useId(), file: useId() };

  const enrol = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    const file = fileRef.current?.files?.[0];
    if (!name.trim()) return setError("Enter the person's name.");
    if (!file) return setError("Choose a recording of this person speaking alone (10–30 s is enough).");
    const refusal = validateRecording(file, maxBytes);
    if (refusal) return setError(refusal);
    setError(null);
    setBusy(true);
    try {
      await uploadRecording(proxied("/api/v1/speakers"), file, { name: name.trim() }, setProgress).done;
      setNotice(`${name.trim()} is enrolled; new meetings will show this name when the voice matches.`);
      setName("");
      if (fileRef.current) fileRef.current.value = "";
      router.refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  const remove = async (person: EnrolledSpeaker) => {
    if (!window.confirm(`Remove ${person.name} and their voiceprint from the voice bank?`)) return;
    setError(null);
    const response = await fetch(proxied(`/api/v1/speakers/${speakerKey(person)}`), { method: "DELETE" });
    if (!response.ok) {
      setError(errorMessage(await response.json().catch(() => null), response.status));
      return;
    }
    setNotice(`${person.name} was removed.`);
    router.refresh();
  };

  return (
    <>
      <section className="card" aria-labelledby="enrol-title">
        <h2 id="enrol-title">Enrol a person</h2>
        <form onSubmit={enrol} noValidate>
          <div className="grid-fields">
            <div className="field">
              <label htmlFor={ids.name}>Name</label>
              <input id={ids.name} type="text" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} disabled={busy} />
            </div>
            <div className="field">
              <label htmlFor={ids.file}>Recording of their voice</label>
              <input id={ids.file} ref={fileRef} type="file" accept={ACCEPT_ATTRIBUTE} disabled={busy} />
            </div>
          </div>
          <button type="submit" disabled={busy}>
            {busy ? "Enrolling…" : "Enrol"}
          </button>
          {progress ? (
            <ProgressBar
              value={progress.total ? progress.loaded / progress.total : null}
              label="Enrolment upload"
              caption={`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`}
            />
          ) : null}
        </form>
        <div aria-live="polite">
          {error ? (
            <p className="alert error" role="alert">
              {error}
            </p>
          ) : null}
          {notice ? <p className="alert success">{notice}</p> : null}
        </div>
      </section>
      <section className="card" aria-labelledby="people-title">
        <h2 id="people-title">Enrolled people ({people.length})</h2>
        {people.length === 0 ? (
          <p className="muted">Nobody is enrolled yet. Speakers of new meetings keep labels such as SPEAKER_00.</p>
        ) : (
          <ul className="speaker-list">
            {people.map((person) => (
              <li key={String(person.id ?? person.name)}>
                <span className="speaker-name">{person.name}</span>
                <span className="muted" style={{ fontSize: "0.85rem" }}>
                  {sampleCount(person) != null ? `${sampleCount(person)} recording(s)` : ""}
                  {person.created_at ? ` · since ${formatDateTime(person.created_at)}` : ""}
                </span>
                <button type="button" className="danger" onClick={() => remove(person)} aria-label={`Remove ${person.name}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
