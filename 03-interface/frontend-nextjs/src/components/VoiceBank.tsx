"use client";
/**
 * Voice bank: the enrolled people (name, status, number of samples; the reason when an
 * enrolment failed), a form to enrol a person from a recording (uploaded with progress to
 * `POST /api/v1/speakers`, fields `name` and `file`), polling of `GET /api/v1/speakers` while
 * anyone is PENDING (the worker checks and embeds the recording), and removal after an explicit
 * confirmation in a modal `<dialog>` (`DELETE /api/v1/speakers/{id}`). "Add a recording" on a
 * person uploads one more recording of them (`POST /api/v1/speakers/{id}/samples`, field
 * `file`): the person is PENDING again until the worker has updated the voiceprint, then READY
 * or FAILED. Every sentence is in the user's language; a failed enrolment shows the sentence
 * of its `error_code`.
 */
import { useLocale, useTranslations } from "next-intl";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { type Message, msg } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { browserGateway, proxied } from "@/lib/api/browser";
import { unwrap } from "@/lib/api/client";
import { describeError, failureText } from "@/lib/api/errors";
import { formatBytes, formatDateTime } from "@/lib/format";
import { ACCEPT_ATTRIBUTE, uploadRecording, type UploadProgress, validateRecording } from "@/lib/upload";
import { anyPending, type Person, personBadgeClass, personStatusLabel, samplesText, upsertPerson } from "@/lib/voice-bank";
import { ConfirmButton } from "./ConfirmButton";
import { ProgressBar } from "./ProgressBar";

/** The gateway calls of the voice bank (injectable for tests). */
export interface VoiceBankApi {
  list: () => Promise<Person[]>;
  enrol: (name: string, file: File, onProgress: (p: UploadProgress) => void) => Promise<Person>;
  /** Upload one more recording of a person (202: the person, PENDING). */
  addSample: (personId: string, file: File, onProgress: (p: UploadProgress) => void) => Promise<Person>;
  remove: (personId: string) => Promise<void>;
}

export const gatewayVoiceBankApi: VoiceBankApi = {
  list: async () => unwrap(await browserGateway().GET("/api/v1/speakers")),
  enrol: (name, file, onProgress) => uploadRecording<Person>(proxied("/api/v1/speakers"), file, { name }, onProgress).done,
  addSample: (personId, file, onProgress) =>
    uploadRecording<Person>(proxied(`/api/v1/speakers/${encodeURIComponent(personId)}/samples`), file, {}, onProgress).done,
  remove: async (personId) => {
    unwrap(await browserGateway().DELETE("/api/v1/speakers/{person_id}", { params: { path: { person_id: personId } } }));
  },
};

export interface VoiceBankProps {
  people: Person[];
  maxBytes: number;
  api?: VoiceBankApi;
  /** How often the list is polled while someone is PENDING. */
  pollIntervalMs?: number;
}

function RemovePersonButton({ person, onRemove }: { person: Person; onRemove: (p: Person) => Promise<void> }) {
  const t = useTranslations("voiceBank.remove");
  return (
    <ConfirmButton
      label={t("button")}
      ariaLabel={t("buttonLabel", { name: person.name })}
      heading={t("heading", { name: person.name })}
      confirmLabel={t("confirm")}
      busyLabel={t("busy")}
      onConfirm={() => onRemove(person)}
    >
      {t("body")}
    </ConfirmButton>
  );
}

/**
 * "Add a recording" of one person: a button that opens the file picker, the upload's progress,
 * then the caller shows the person's new status (PENDING until the voiceprint is updated).
 */
function AddRecordingButton({
  person,
  maxBytes,
  onAdd,
}: {
  person: Person;
  maxBytes: number;
  onAdd: (person: Person, file: File, onProgress: (p: UploadProgress) => void) => Promise<void>;
}) {
  const t = useTranslations("voiceBank");
  const text = useMessageText();
  const locale = useLocale();
  const fileRef = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<Message | null>(null);
  const busy = progress !== null;

  const add = async (file: File | undefined) => {
    if (!file) return;
    const refusal = validateRecording(file, maxBytes, locale);
    if (refusal) {
      setError(refusal);
      if (fileRef.current) fileRef.current.value = "";
      return;
    }
    setError(null);
    setProgress({ loaded: 0, total: file.size });
    try {
      await onAdd(person, file, setProgress);
    } catch (err) {
      setError(msg("voiceBank.addRecordingFailed", { name: person.name, reason: text(describeError(err)) }));
    } finally {
      setProgress(null);
      if (fileRef.current) fileRef.current.value = "";
    }
  };

  return (
    <>
      <input
        ref={fileRef}
        type="file"
        accept={ACCEPT_ATTRIBUTE}
        hidden
        aria-label={t("addRecordingLabel", { name: person.name })}
        data-testid="add-recording-input"
        onChange={(e) => void add(e.target.files?.[0])}
      />
      <button
        type="button"
        className="secondary"
        disabled={busy || person.status === "PENDING"}
        aria-label={t("addRecordingLabel", { name: person.name })}
        onClick={() => fileRef.current?.click()}
      >
        {t("addRecording")}
      </button>
      {progress ? (
        <div className="person-progress">
          <ProgressBar
            value={progress.total ? progress.loaded / progress.total : null}
            label={t("addRecordingProgress", { name: person.name })}
            caption={t("progressCaption", { loaded: formatBytes(progress.loaded, locale), total: formatBytes(progress.total, locale) })}
          />
        </div>
      ) : null}
      {error ? (
        <p className="alert error person-error" role="alert">
          {text(error)}
        </p>
      ) : null}
    </>
  );
}

export function VoiceBank({ people: initial, maxBytes, api = gatewayVoiceBankApi, pollIntervalMs = 2000 }: VoiceBankProps) {
  const t = useTranslations("voiceBank");
  const text = useMessageText();
  const locale = useLocale();
  const fileRef = useRef<HTMLInputElement>(null);
  const [people, setPeople] = useState<Person[]>(initial);
  const [name, setName] = useState("");
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const [notice, setNotice] = useState<Message | null>(null);
  const ids = { name: useId(), file: useId() };
  const pending = anyPending(people);

  // Poll while someone is being enrolled; the effect ends (and polling stops) once nobody is.
  useEffect(() => {
    if (!pending) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const fresh = await api.list();
        if (!cancelled) setPeople(fresh);
      } catch {
        /* transient: try again at the next tick */
      }
      if (!cancelled) timer = setTimeout(poll, pollIntervalMs);
    };
    timer = setTimeout(poll, pollIntervalMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [pending, api, pollIntervalMs]);

  const enrol = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    const who = name.trim();
    const file = fileRef.current?.files?.[0];
    if (!who) return setError(msg("voiceBank.errors.nameMissing"));
    if (!file) return setError(msg("voiceBank.errors.noFile"));
    const refusal = validateRecording(file, maxBytes, locale);
    if (refusal) return setError(refusal);
    setError(null);
    setBusy(true);
    try {
      const person = await api.enrol(who, file, setProgress);
      setPeople((list) => upsertPerson(list, person));
      setNotice(msg("voiceBank.uploaded", { name: person.name }));
      setName("");
      if (fileRef.current) fileRef.current.value = "";
    } catch (err) {
      setError(msg("voiceBank.errors.enrolFailed", { name: who, reason: text(describeError(err)) }));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  const addSample = async (person: Person, file: File, onProgress: (p: UploadProgress) => void) => {
    const updated = await api.addSample(person.id, file, onProgress);
    setPeople((list) => upsertPerson(list, updated));
    setError(null);
    setNotice(msg("voiceBank.addRecordingUploaded", { name: updated.name }));
  };

  const remove = async (person: Person) => {
    await api.remove(person.id);
    setPeople((list) => list.filter((p) => p.id !== person.id));
    setError(null);
    setNotice(msg("voiceBank.removed", { name: person.name }));
  };

  return (
    <>
      <section className="card" aria-labelledby="enrol-title">
        <h2 id="enrol-title">{t("enrolTitle")}</h2>
        <form onSubmit={enrol} noValidate>
          <div className="grid-fields">
            <div className="field">
              <label htmlFor={ids.name}>{t("name")}</label>
              <input id={ids.name} type="text" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} disabled={busy} />
            </div>
            <div className="field">
              <label htmlFor={ids.file}>{t("recording")}</label>
              <input id={ids.file} ref={fileRef} type="file" accept={ACCEPT_ATTRIBUTE} disabled={busy} />
            </div>
          </div>
          <button type="submit" disabled={busy}>
            {busy ? t("enrolling") : t("enrol")}
          </button>
          {progress ? (
            <ProgressBar
              value={progress.total ? progress.loaded / progress.total : null}
              label={t("progress")}
              caption={t("progressCaption", { loaded: formatBytes(progress.loaded, locale), total: formatBytes(progress.total, locale) })}
            />
          ) : null}
        </form>
        <div aria-live="polite">
          {error ? (
            <p className="alert error" role="alert">
              {text(error)}
            </p>
          ) : null}
          {notice ? <p className="alert success">{text(notice)}</p> : null}
        </div>
      </section>
      <section className="card" aria-labelledby="people-title" aria-busy={pending || undefined}>
        <h2 id="people-title">{t("peopleTitle", { count: people.length })}</h2>
        {people.length === 0 ? (
          <p className="muted">{t("empty")}</p>
        ) : (
          <ul className="speaker-list" aria-label={t("peopleLabel")}>
            {people.map((person) => (
              <li key={person.id} data-testid="person-row" data-person-id={person.id} data-status={person.status}>
                <span className="speaker-name">
                  {person.name}
                  <span className="speaker-meta">
                    {t("meta", { samples: text(samplesText(person.num_samples)), date: formatDateTime(person.created_at, locale) })}
                  </span>
                  {person.status === "FAILED" ? <span className="speaker-meta failure-text">{text(failureText(person.error_code))}</span> : null}
                </span>
                <span className={`badge ${personBadgeClass(person.status)}`} data-status={person.status}>
                  {text(personStatusLabel(person.status))}
                </span>
                <AddRecordingButton person={person} maxBytes={maxBytes} onAdd={addSample} />
                <RemovePersonButton person={person} onRemove={remove} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
