"use client";
/**
 * The transcript as utterances: timestamp, speaker name in the speaker's colour, words.
 * Consecutive utterances of one speaker form one turn, drawn as one paragraph block (a bar in
 * the speaker's colour on the left, the name once, the later timestamps shown on hover or
 * focus) while each stays its own list item (`li.utterance`) that can be played.
 * Clicking an utterance seeks to its start, clicking a word seeks to that word; the utterance
 * being played is marked `aria-current` and kept in view while the audio plays.
 *
 * Corrections (when `onSave` is given): each utterance has an "Edit" button (double-clicking
 * its words does the same) that turns it into a form: its text in a text area and its speaker
 * in a list of the meeting's speakers; Enter or Save saves, Escape or Cancel cancels. The
 * matches of the find box are highlighted (`mark`, the current one `mark.current`), and the
 * utterance a link pointed at (`?segment=`) is marked `data-linked`.
 */
import { useTranslations } from "next-intl";
import { type CSSProperties, type FormEvent, memo, type ReactNode, useEffect, useId, useMemo, useRef, useState } from "react";
import { type Message, msg } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { describeError } from "@/lib/api/errors";
import { type FindMatch, splitByMatches, type TextPiece } from "@/lib/find";
import { formatTimestamp } from "@/lib/format";
import { type FusionDocument, labelOf, type Utterance } from "@/lib/transcript";
import { cancelOnEscape } from "@/lib/useShortcuts";
import { cleanSegmentText, MAX_SEGMENT_TEXT, type SegmentChange, segmentChange, type SpeakerChoice } from "@/lib/workspace";
import { FormButtons } from "./FormButtons";

/** A match range of one utterance, flagged when it is the find box's current one. */
interface MarkRange {
  start: number;
  end: number;
  current: boolean;
}

export interface TranscriptProps {
  doc: FusionDocument;
  /** Index of the utterance being played, or -1. */
  active: number;
  /** Playback position in seconds (marks the word being spoken). */
  time: number;
  colours: Map<string, string>;
  onSeek: (seconds: number) => void;
  /** Keep the active utterance in view (true while the audio plays). */
  follow: boolean;
  /**
   * Scroll this utterance into view now (e.g. after the `n` / `p` shortcuts); pass a new
   * object for each request.
   */
  reveal?: { index: number } | null | undefined;
  /** Position of the utterance being edited, or null (controlled by the caller). */
  editing?: number | null | undefined;
  /** Open (a position) or close (null) the editor; without it the transcript is read-only. */
  onEditingChange?: ((position: number | null) => void) | undefined;
  /**
   * Save a correction of the utterance at `position`; a rejection keeps the form open with
   * the sentence of its error code.
   */
  onSave?: ((position: number, change: SegmentChange) => Promise<void>) | undefined;
  /** The speakers an utterance can be given to (label and shown name). */
  speakers?: readonly SpeakerChoice[] | undefined;
  /** The find box's matches and the index of its current one. */
  matches?: readonly FindMatch[] | undefined;
  currentMatch?: number | undefined;
  /** Position of the utterance a link pointed at, marked until another is chosen. */
  linked?: number | null | undefined;
}

interface UtteranceRowProps {
  utterance: Utterance;
  index: number;
  isActive: boolean;
  /** Same speaker as the previous utterance: the name is only announced, not shown again. */
  continued: boolean;
  /** The next utterance is another speaker's (or there is none): the turn ends here. */
  turnEnd: boolean;
  activeWord: number;
  colour: string;
  onSeek: (seconds: number) => void;
  marks: readonly MarkRange[] | undefined;
  linked: boolean;
  editable: boolean;
  onEdit: (position: number) => void;
}

/** Text with its find matches wrapped in `<mark>`. */
function Marked({ pieces }: { pieces: TextPiece[] }): ReactNode {
  return pieces.map((p, i) =>
    p.mark ? (
      <mark key={i} className={p.mark === "current" ? "find-match current" : "find-match"} data-current={p.mark === "current" ? "true" : undefined}>
        {p.text}
      </mark>
    ) : (
      p.text
    ),
  );
}

const UtteranceRow = memo(function UtteranceRow({
  utterance,
  index,
  isActive,
  continued,
  turnEnd,
  activeWord,
  colour,
  onSeek,
  marks,
  linked,
  editable,
  onEdit,
}: UtteranceRowProps) {
  const t = useTranslations("transcript");
  const tw = useTranslations("workspace");
  const words = utterance.words;
  const classes = ["utterance", continued ? "continued" : "turn-start", turnEnd ? "turn-end" : "", linked ? "linked" : ""].filter(Boolean).join(" ");
  let offset = 0;
  return (
    <li
      className={classes}
      style={{ "--turn-colour": colour } as CSSProperties}
      aria-current={isActive ? "true" : undefined}
      data-index={index}
      data-segment={utterance.index ?? index}
      data-start={utterance.start}
      data-speaker-label={labelOf(utterance)}
      data-linked={linked ? "true" : undefined}
      onClick={() => onSeek(utterance.start)}
    >
      <button
        type="button"
        className="time link"
        aria-label={t("playFrom", { time: formatTimestamp(utterance.start), speaker: utterance.speaker })}
        onClick={(e) => {
          e.stopPropagation();
          onSeek(utterance.start);
        }}
      >
        {formatTimestamp(utterance.start)}
      </button>
      <div>
        <div className={continued ? "speaker visually-hidden" : "speaker"} style={{ color: colour }}>
          {utterance.speaker}
        </div>
        <p className="words" onDoubleClick={editable ? () => onEdit(index) : undefined}>
          {words.length === 0 ? (
            <Marked pieces={splitByMatches(utterance.text, 0, marks ?? [])} />
          ) : (
            words.map((w, i) => {
              const at = offset;
              offset += w.word.length;
              return (
                <span
                  key={`${w.start}-${i}`}
                  className="word"
                  data-start={w.start}
                  data-active={i === activeWord ? "true" : undefined}
                  onClick={(e) => {
                    e.stopPropagation();
                    onSeek(w.start);
                  }}
                >
                  {marks?.length ? <Marked pieces={splitByMatches(w.word, at, marks)} /> : w.word}
                </span>
              );
            })
          )}
        </p>
      </div>
      {editable ? (
        <button
          type="button"
          className="link edit-utterance"
          aria-label={tw("editUtteranceLabel", { time: formatTimestamp(utterance.start), speaker: utterance.speaker })}
          onClick={(e) => {
            e.stopPropagation();
            onEdit(index);
          }}
        >
          {tw("editUtterance")}
        </button>
      ) : null}
    </li>
  );
});

/** The utterance being corrected: its text, its speaker, Save and Cancel. */
function UtteranceEditor({
  utterance,
  index,
  colour,
  continued,
  turnEnd,
  speakers,
  onSave,
  onCancel,
}: {
  utterance: Utterance;
  index: number;
  colour: string;
  continued: boolean;
  turnEnd: boolean;
  speakers: readonly SpeakerChoice[];
  onSave: (position: number, change: SegmentChange) => Promise<void>;
  onCancel: () => void;
}) {
  const tw = useTranslations("workspace");
  const text = useMessageText();
  const [value, setValue] = useState(utterance.text.trim());
  const [speaker, setSpeaker] = useState(labelOf(utterance));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const ids = { text: useId(), speaker: useId(), hint: useId() };
  const time = formatTimestamp(utterance.start);

  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy) return;
    if (!cleanSegmentText(value)) {
      setError(msg("workspace.errors.textMissing"));
      return;
    }
    const change = segmentChange(utterance, value, speaker);
    if (!change) {
      onCancel();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSave(index, change);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <li
      className={["utterance", "editing", continued ? "continued" : "turn-start", turnEnd ? "turn-end" : ""].filter(Boolean).join(" ")}
      style={{ "--turn-colour": colour } as CSSProperties}
      data-index={index}
      data-segment={utterance.index ?? index}
      data-start={utterance.start}
      data-speaker-label={labelOf(utterance)}
    >
      <span className="time">{time}</span>
      <form className="utterance-form" onSubmit={save} aria-label={tw("utteranceForm", { time })}>
        <label htmlFor={ids.text} className="visually-hidden">
          {tw("utteranceText", { time })}
        </label>
        <textarea
          id={ids.text}
          value={value}
          rows={Math.min(6, Math.max(2, Math.ceil(value.length / 70)))}
          maxLength={MAX_SEGMENT_TEXT}
          autoFocus
          disabled={busy}
          aria-describedby={ids.hint}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => {
            if (e.nativeEvent.isComposing) return;
            if (e.key === "Enter") {
              e.preventDefault(); // one line: Enter saves
              void save();
            } else if (e.key === "Escape") {
              e.preventDefault();
              onCancel();
            }
          }}
        />
        <div className="row utterance-form-actions">
          <label htmlFor={ids.speaker}>{tw("utteranceSpeaker")}</label>
          <select
            id={ids.speaker}
            value={speaker}
            disabled={busy}
            onChange={(e) => setSpeaker(e.target.value)}
            onKeyDown={cancelOnEscape(onCancel)}
          >
            {speakers.map((s) => (
              <option key={s.label} value={s.label}>
                {s.name === s.label ? s.label : tw("speakerOption", { name: s.name, label: s.label })}
              </option>
            ))}
          </select>
          <FormButtons busy={busy} onCancel={onCancel} />
        </div>
        <p id={ids.hint} className="muted field-hint">
          {tw("editHint")}
        </p>
        {error ? (
          <p role="alert" className="alert error">
            {text(error)}
          </p>
        ) : null}
      </form>
    </li>
  );
}

/** Index of the word being spoken in `u` at `time`, or -1. */
function activeWordIndex(u: Utterance, time: number): number {
  for (let i = u.words.length - 1; i >= 0; i -= 1) {
    const w = u.words[i];
    if (w && w.start <= time) return time < w.end + 0.15 ? i : -1;
  }
  return -1;
}

/** Whether two neighbouring utterances belong to one turn (same label and same shown name). */
function sameTurn(a: Utterance | undefined, b: Utterance | undefined): boolean {
  return a !== undefined && b !== undefined && labelOf(a) === labelOf(b) && a.speaker === b.speaker;
}

/**
 * Scroll utterance `index` into view: inside the list when it scrolls on its own (laptop
 * layout; only when the item is out of view), else in the page.
 */
function bringIntoView(list: HTMLOListElement | null, index: number): void {
  const item = list?.querySelector<HTMLElement>(`[data-index="${index}"]`);
  if (!list || !item) return;
  if (list.scrollHeight > list.clientHeight) {
    const top = item.offsetTop;
    const bottom = top + item.offsetHeight;
    if (top < list.scrollTop || bottom > list.scrollTop + list.clientHeight) {
      list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3) });
    }
  } else {
    item.scrollIntoView?.({ block: "center" });
  }
}

/** The match ranges of each utterance (by position), the current one flagged. */
function marksByPosition(matches: readonly FindMatch[] | undefined, current: number | undefined): Map<number, MarkRange[]> {
  const out = new Map<number, MarkRange[]>();
  matches?.forEach((m, i) => {
    const list = out.get(m.position) ?? [];
    list.push({ start: m.start, end: m.end, current: i === current });
    out.set(m.position, list);
  });
  return out;
}

export function Transcript({
  doc,
  active,
  time,
  colours,
  onSeek,
  follow,
  reveal,
  editing = null,
  onEditingChange,
  onSave,
  speakers = [],
  matches,
  currentMatch,
  linked = null,
}: TranscriptProps) {
  const t = useTranslations("transcript");
  const listRef = useRef<HTMLOListElement>(null);
  const marks = useMemo(() => marksByPosition(matches, currentMatch), [matches, currentMatch]);
  const editable = Boolean(onSave && onEditingChange);
  const edit = useMemo(() => (position: number) => onEditingChange?.(position), [onEditingChange]);

  useEffect(() => {
    if (!follow || active < 0) return;
    bringIntoView(listRef.current, active);
  }, [active, follow]);

  useEffect(() => {
    if (reveal) bringIntoView(listRef.current, reveal.index);
  }, [reveal]);

  if (doc.segments.length === 0) {
    return <p className="muted">{t("noSpeech")}</p>;
  }
  const segments = doc.segments;
  return (
    <ol className="transcript" ref={listRef} aria-label={t("label")} style={{ position: "relative" }}>
      {segments.map((u, i) =>
        editable && editing === i && onSave ? (
          <UtteranceEditor
            key={`${u.start}-${i}-editing`}
            utterance={u}
            index={i}
            colour={colours.get(labelOf(u)) ?? "inherit"}
            continued={sameTurn(segments[i - 1], u)}
            turnEnd={!sameTurn(u, segments[i + 1])}
            speakers={speakers}
            onSave={onSave}
            onCancel={() => onEditingChange?.(null)}
          />
        ) : (
          <UtteranceRow
            key={`${u.start}-${i}`}
            utterance={u}
            index={i}
            isActive={i === active}
            continued={sameTurn(segments[i - 1], u)}
            turnEnd={!sameTurn(u, segments[i + 1])}
            activeWord={i === active ? activeWordIndex(u, time) : -1}
            colour={colours.get(labelOf(u)) ?? "inherit"}
            onSeek={onSeek}
            marks={marks.get(i)}
            linked={linked === i}
            editable={editable}
            onEdit={edit}
          />
        ),
      )}
    </ol>
  );
}
