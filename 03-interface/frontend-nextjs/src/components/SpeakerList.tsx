"use client";
/**
 * The speakers of a meeting with their colour, talk time (with turns, share and words per
 * minute when the gateway reported them) and an inline rename form.
 * Renaming calls `onRename(label, name)`; the caller updates the document so that every
 * occurrence of the name changes at once.
 */
import { useLocale, useTranslations } from "next-intl";
import { type FormEvent, useId, useState } from "react";
import { type Message, msg } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { describeError } from "@/lib/api/errors";
import { formatDuration } from "@/lib/format";
import { formatSpeakerStatistics, type SpeakerStatistics } from "@/lib/speaker-stats";
import { displayName, type FusionDocument, type MatchNote, matchNote, timelineLanes } from "@/lib/transcript";

export interface SpeakerListProps {
  doc: FusionDocument;
  colours: Map<string, string>;
  /** Persist a new name; a rejection is shown as the sentence of its error code. */
  onRename: (label: string, name: string) => Promise<void>;
  /** Per-label figures from the meeting detail; without them the talk time comes from `doc`. */
  statistics?: Map<string, SpeakerStatistics>;
}

/** Longest speaker name the gateway accepts. */
const MAX_NAME = 100;

function SpeakerRow({
  label,
  name,
  colour,
  speech,
  stats,
  match,
  onRename,
}: {
  label: string;
  name: string;
  colour: string;
  /** Seconds of speech in the transcript. */
  speech: number;
  stats: SpeakerStatistics | undefined;
  /** The voice-bank match note or null. */
  match: MatchNote | null;
  onRename: (label: string, name: string) => Promise<void>;
}) {
  const t = useTranslations("speakers");
  const tc = useTranslations("common");
  const text = useMessageText();
  const locale = useLocale();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const inputId = useId();

  const cancel = () => {
    setEditing(false);
    setValue(name);
    setError(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = value.trim();
    if (!next) {
      setError(msg("speakers.errors.nameMissing"));
      return;
    }
    if (next.length > MAX_NAME) {
      setError(msg("speakers.errors.nameTooLong", { max: MAX_NAME }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onRename(label, next);
      setEditing(false);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li data-speaker-label={label}>
      <span className="swatch" style={{ background: colour }} aria-hidden="true" />
      <span className="speaker-name">
        {name}
        <span className="speaker-meta">
          {stats ? formatSpeakerStatistics(stats, text, locale) : t("speech", { duration: formatDuration(speech, locale) })}
          {match ? ` · ${t(`match.${match}`)}` : ""}
        </span>
      </span>
      {editing ? (
        <form onSubmit={submit} aria-label={t("renameLabel", { name })} className="rename-form">
          <label htmlFor={inputId} className="visually-hidden">
            {t("newName", { name })}
          </label>
          <input
            id={inputId}
            type="text"
            value={value}
            maxLength={MAX_NAME}
            autoFocus
            disabled={busy}
            onChange={(e) => setValue(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") cancel();
            }}
          />
          <button type="submit" disabled={busy}>
            {busy ? tc("saving") : tc("save")}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={cancel}>
            {tc("cancel")}
          </button>
        </form>
      ) : (
        <button
          type="button"
          className="link"
          aria-label={t("renameLabel", { name })}
          onClick={() => {
            setValue(name);
            setEditing(true);
          }}
        >
          {t("rename")}
        </button>
      )}
      {error ? (
        <p role="alert" className="alert error" style={{ width: "100%", margin: 0 }}>
          {text(error)}
        </p>
      ) : null}
    </li>
  );
}

export function SpeakerList({ doc, colours, onRename, statistics }: SpeakerListProps) {
  const t = useTranslations("speakers");
  const lanes = timelineLanes(doc);
  if (lanes.length === 0) return <p className="muted">{t("none")}</p>;
  return (
    <ul className="speaker-list" aria-label={t("listLabel")}>
      {lanes.map((lane) => (
        <SpeakerRow
          key={lane.label}
          label={lane.label}
          name={displayName(doc, lane.label)}
          colour={colours.get(lane.label) ?? "var(--muted)"}
          speech={lane.speech}
          stats={statistics?.get(lane.label)}
          match={matchNote(
            doc.speakers.find((s) => s.label === lane.label),
            displayName(doc, lane.label),
          )}
          onRename={onRename}
        />
      ))}
    </ul>
  );
}
