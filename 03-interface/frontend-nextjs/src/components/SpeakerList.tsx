"use client";
/**
 * The speakers of a meeting with their colour, talk time (with turns, share and words per
 * minute when the gateway reported them) and an inline rename form.
 * Renaming calls `onRename(label, name)`; the caller updates the document so that every
 * occurrence of the name changes at once.
 */
import { type FormEvent, useId, useState } from "react";
import { formatDuration } from "@/lib/format";
import { formatSpeakerStatistics, type SpeakerStatistics } from "@/lib/speaker-stats";
import { displayName, type FusionDocument, matchNote, timelineLanes } from "@/lib/transcript";

export interface SpeakerListProps {
  doc: FusionDocument;
  colours: Map<string, string>;
  /** Persist a new name; rejects with an Error whose message is shown to the user. */
  onRename: (label: string, name: string) => Promise<void>;
  /** Per-label figures from the meeting detail; without them the talk time comes from `doc`. */
  statistics?: Map<string, SpeakerStatistics>;
}

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
  speech: number;
  stats: SpeakerStatistics | undefined;
  /** The voice-bank match note (`unsure`, `voice bank match`) or null. */
  match: string | null;
  onRename: (label: string, name: string) => Promise<void>;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = value.trim();
    if (!next) {
      setError("Enter a name.");
      return;
    }
    if (next.length > 100) {
      setError("Names are at most 100 characters.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onRename(label, next);
      setEditing(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
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
          {stats ? formatSpeakerStatistics(stats) : `${formatDuration(speech)} of speech`}
          {match ? ` · ${match}` : ""}
        </span>
      </span>
      {editing ? (
        <form onSubmit={submit} aria-label={`Rename ${name}`}>
          <label htmlFor={inputId} className="visually-hidden">
            New name for {name}
          </label>
          <input
            id={inputId}
            type="text"
            value={value}
            maxLength={100}
            autoFocus
            disabled={busy}
            onChange={(e) => setValue(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                setEditing(false);
                setValue(name);
                setError(null);
              }
            }}
          />
          <button type="submit" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              setEditing(false);
              setValue(name);
              setError(null);
            }}
          >
            Cancel
          </button>
        </form>
      ) : (
        <button
          type="button"
          className="link"
          aria-label={`Rename ${name}`}
          onClick={() => {
            setValue(name);
            setEditing(true);
          }}
        >
          Rename
        </button>
      )}
      {error ? (
        <p role="alert" className="alert error" style={{ width: "100%", margin: 0 }}>
          {error}
        </p>
      ) : null}
    </li>
  );
}

export function SpeakerList({ doc, colours, onRename, statistics }: SpeakerListProps) {
  const lanes = timelineLanes(doc);
  if (lanes.length === 0) return <p className="muted">No speakers.</p>;
  return (
    <ul className="speaker-list" aria-label="Speakers">
      {lanes.map((lane) => (
        <SpeakerRow
          key={lane.label}
          label={lane.label}
          name={displayName(doc, lane.label)}
          colour={colours.get(lane.label) ?? "#555"}
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
