"use client";
/**
 * The speakers of a meeting with their colour, talk time (with turns, share and words per
 * minute when the gateway reported them) and what can be done to each:
 *
 * - rename (an inline form), and "Restore label" to show its `SPEAKER_nn` label again;
 * - "Merge…" into another speaker (one person the diarization split in two);
 * - "Not this person" on a name the voice bank gave (a confident or unsure match): the name
 *   goes, and re-processing will not give it again;
 * - "Enrol": enrol the speaker's voice from this meeting in the voice bank under a name, then a link
 *   to the voice bank.
 *
 * Every action calls the caller's handler, which saves it and updates the document so that
 * every occurrence changes at once; a rejection is shown as the sentence of its error code.
 */
import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { type Message, msg } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { describeError } from "@/lib/api/errors";
import { formatDuration } from "@/lib/format";
import { formatSpeakerStatistics, type SpeakerStatistics } from "@/lib/speaker-stats";
import { displayName, type FusionDocument, type MatchNote, matchNote, timelineLanes } from "@/lib/transcript";
import { cancelOnEscape } from "@/lib/useShortcuts";
import { hasIdentifiedName } from "@/lib/workspace";
import { FormButtons } from "./FormButtons";

export interface SpeakerListProps {
  doc: FusionDocument;
  colours: Map<string, string>;
  /** Persist a new name (`null` restores the label); a rejection is shown as the sentence of its error code. */
  onRename: (label: string, name: string | null) => Promise<void>;
  /** Give every utterance of `from` to `into` (without it, no merge action). */
  onMerge?: ((from: string, into: string) => Promise<void>) | undefined;
  /** Remove the name identification gave (without it, no "not this person" action). */
  onReject?: ((label: string) => Promise<void>) | undefined;
  /**
   * Enrol the speaker in the voice bank under `name` (without it, e.g. when the gateway has no
   * voice bank, no enrol action).
   */
  onEnrol?: ((label: string, name: string) => Promise<void>) | undefined;
  /** Per-label figures from the meeting detail; without them the talk time comes from `doc`. */
  statistics?: Map<string, SpeakerStatistics> | undefined;
}

/** Longest speaker name the gateway accepts. */
const MAX_NAME = 100;

/** Why an enrolment failed: a 409 means the meeting kept no voiceprint of the speaker. */
function enrolError(err: unknown): Message {
  return (err as { status?: unknown } | null)?.status === 409 ? msg("workspace.errors.enrolNoVoice") : describeError(err);
}

type Mode = "idle" | "rename" | "merge" | "enrol";

/** An inline form of a speaker row: one field, Save and Cancel, Escape cancels. */
function InlineForm({
  label,
  formLabel,
  field,
  busy,
  submitLabel,
  busyLabel,
  onSubmit,
  onCancel,
  className,
}: {
  label: string;
  formLabel: string;
  field: (id: string) => ReactNode;
  busy: boolean;
  submitLabel: string;
  busyLabel: string;
  onSubmit: () => void;
  onCancel: () => void;
  className: string;
}) {
  const id = useId();
  return (
    <form
      className={`speaker-form ${className}`}
      aria-label={formLabel}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
      onKeyDown={cancelOnEscape(onCancel)}
    >
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      {field(id)}
      <FormButtons busy={busy} onCancel={onCancel} submitLabel={submitLabel} busyLabel={busyLabel} />
    </form>
  );
}

function SpeakerRow({
  label,
  name,
  colour,
  speech,
  stats,
  match,
  identified,
  others,
  onRename,
  onMerge,
  onReject,
  onEnrol,
}: {
  label: string;
  name: string;
  colour: string;
  /** Seconds of speech in the transcript. */
  speech: number;
  stats: SpeakerStatistics | undefined;
  /** The voice-bank match note or null. */
  match: MatchNote | null;
  /** The name was given by identification ("not this person" applies). */
  identified: boolean;
  /** The other speakers (label, name): where this one can be merged. */
  others: { label: string; name: string }[];
  onRename: SpeakerListProps["onRename"];
  onMerge: SpeakerListProps["onMerge"];
  onReject: SpeakerListProps["onReject"];
  onEnrol: SpeakerListProps["onEnrol"];
}) {
  const t = useTranslations("speakers");
  const tc = useTranslations("common");
  const tw = useTranslations("workspace");
  const text = useMessageText();
  const locale = useLocale();
  const [mode, setMode] = useState<Mode>("idle");
  const [value, setValue] = useState(name);
  const [target, setTarget] = useState(others[0]?.label ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const [enrolled, setEnrolled] = useState<string | null>(null);
  const named = name !== label;

  const open = (next: Mode) => {
    setError(null);
    setEnrolled(null);
    setValue(next === "enrol" ? (named ? name : "") : name);
    setTarget(others[0]?.label ?? "");
    setMode(next);
  };
  const cancel = () => {
    setMode("idle");
    setError(null);
  };

  /** Run an action: busy while it runs, its error shown, the form closed when it succeeds. */
  const run = async (action: () => Promise<void>, after?: () => void, explain: (err: unknown) => Message = describeError) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      setMode("idle");
      after?.();
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  };

  /** A name typed in a form, or the refusal to show. */
  const checkedName = (): string | null => {
    const next = value.trim();
    if (!next) {
      setError(msg("speakers.errors.nameMissing"));
      return null;
    }
    if (next.length > MAX_NAME) {
      setError(msg("speakers.errors.nameTooLong", { max: MAX_NAME }));
      return null;
    }
    return next;
  };

  const nameField = (id: string) => (
    <input id={id} type="text" value={value} maxLength={MAX_NAME} autoFocus disabled={busy} onChange={(e) => setValue(e.target.value)} />
  );

  return (
    <li data-speaker-label={label}>
      <span className="swatch" style={{ background: colour }} aria-hidden="true" />
      <span className="speaker-name">
        {name}
        {named ? <span className="speaker-label-tag"> ({label})</span> : null}
        <span className="speaker-meta">
          {stats ? formatSpeakerStatistics(stats, text, locale) : t("speech", { duration: formatDuration(speech, locale) })}
          {match ? ` · ${t(`match.${match}`)}` : ""}
        </span>
      </span>
      {mode === "rename" ? (
        <InlineForm
          className="rename-form"
          label={t("newName", { name })}
          formLabel={t("renameLabel", { name })}
          field={nameField}
          busy={busy}
          submitLabel={tc("save")}
          busyLabel={tc("saving")}
          onCancel={cancel}
          onSubmit={() => {
            const next = checkedName();
            if (next !== null) void run(() => onRename(label, next));
          }}
        />
      ) : null}
      {mode === "merge" && onMerge ? (
        <InlineForm
          className="merge-form"
          label={tw("mergeInto", { name })}
          formLabel={tw("mergeLabel", { name })}
          field={(id) => (
            <select id={id} value={target} autoFocus disabled={busy} onChange={(e) => setTarget(e.target.value)}>
              {others.map((o) => (
                <option key={o.label} value={o.label}>
                  {o.name === o.label ? o.label : tw("speakerOption", { name: o.name, label: o.label })}
                </option>
              ))}
            </select>
          )}
          busy={busy}
          submitLabel={tw("mergeSubmit")}
          busyLabel={tw("merging")}
          onCancel={cancel}
          onSubmit={() => {
            if (target) void run(() => onMerge(label, target));
          }}
        />
      ) : null}
      {mode === "enrol" && onEnrol ? (
        <InlineForm
          className="enrol-form"
          label={tw("enrolName", { name })}
          formLabel={tw("enrolLabel", { name })}
          field={nameField}
          busy={busy}
          submitLabel={tw("enrolSubmit")}
          busyLabel={tw("enrolling")}
          onCancel={cancel}
          onSubmit={() => {
            const next = checkedName();
            if (next !== null) void run(() => onEnrol(label, next), () => setEnrolled(next), enrolError);
          }}
        />
      ) : null}
      {mode === "idle" ? (
        <div className="speaker-actions">
          <button type="button" className="link" aria-label={t("renameLabel", { name })} onClick={() => open("rename")}>
            {t("rename")}
          </button>
          {named ? (
            <button
              type="button"
              className="link"
              aria-label={tw("restoreLabelLabel", { name, label })}
              disabled={busy}
              onClick={() => void run(() => onRename(label, null))}
            >
              {tw("restoreLabel")}
            </button>
          ) : null}
          {identified && onReject ? (
            <button type="button" className="link" aria-label={tw("rejectLabel", { name })} disabled={busy} onClick={() => void run(() => onReject(label))}>
              {tw("reject")}
            </button>
          ) : null}
          {onMerge && others.length > 0 ? (
            <button type="button" className="link" aria-label={tw("mergeLabel", { name })} onClick={() => open("merge")}>
              {tw("merge")}
            </button>
          ) : null}
          {onEnrol ? (
            <button type="button" className="link" aria-label={tw("enrolLabel", { name })} onClick={() => open("enrol")}>
              {tw("enrol")}
            </button>
          ) : null}
        </div>
      ) : null}
      {enrolled ? (
        <p className="alert success speaker-notice" role="status">
          {tw("enrolled", { name: enrolled })} <Link href="/speakers">{tw("openVoiceBank")}</Link>
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="alert error speaker-notice">
          {text(error)}
        </p>
      ) : null}
    </li>
  );
}

export function SpeakerList({ doc, colours, onRename, onMerge, onReject, onEnrol, statistics }: SpeakerListProps) {
  const t = useTranslations("speakers");
  const lanes = timelineLanes(doc);
  if (lanes.length === 0) return <p className="muted">{t("none")}</p>;
  const all = lanes.map((lane) => ({ label: lane.label, name: displayName(doc, lane.label) }));
  return (
    <ul className="speaker-list" aria-label={t("listLabel")}>
      {lanes.map((lane) => {
        const name = displayName(doc, lane.label);
        return (
          <SpeakerRow
            key={lane.label}
            label={lane.label}
            name={name}
            colour={colours.get(lane.label) ?? "var(--muted)"}
            speech={lane.speech}
            stats={statistics?.get(lane.label)}
            match={matchNote(
              doc.speakers.find((s) => s.label === lane.label),
              name,
            )}
            identified={hasIdentifiedName(doc, lane.label)}
            others={all.filter((s) => s.label !== lane.label)}
            onRename={onRename}
            onMerge={onMerge}
            onReject={onReject}
            onEnrol={onEnrol}
          />
        );
      })}
    </ul>
  );
}
