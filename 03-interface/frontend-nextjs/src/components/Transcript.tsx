"use client";
/**
 * The transcript as utterances: timestamp, speaker name in the speaker's colour, words.
 * Consecutive utterances of one speaker form one turn, drawn as one paragraph block (a bar in
 * the speaker's colour on the left, the name once, the later timestamps shown on hover or
 * focus) while each stays its own list item (`li.utterance`) that can be played.
 * Clicking an utterance seeks to its start, clicking a word seeks to that word; the utterance
 * being played is marked `aria-current` and kept in view while the audio plays.
 */
import { useTranslations } from "next-intl";
import { type CSSProperties, memo, useEffect, useRef } from "react";
import { formatTimestamp } from "@/lib/format";
import { type FusionDocument, labelOf, type Utterance } from "@/lib/transcript";

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
}

const UtteranceRow = memo(function UtteranceRow({ utterance, index, isActive, continued, turnEnd, activeWord, colour, onSeek }: UtteranceRowProps) {
  const t = useTranslations("transcript");
  const words = utterance.words;
  const classes = ["utterance", continued ? "continued" : "turn-start", turnEnd ? "turn-end" : ""].filter(Boolean).join(" ");
  return (
    <li
      className={classes}
      style={{ "--turn-colour": colour } as CSSProperties}
      aria-current={isActive ? "true" : undefined}
      data-index={index}
      data-start={utterance.start}
      data-speaker-label={labelOf(utterance)}
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
        <p className="words">
          {words.length === 0
            ? utterance.text
            : words.map((w, i) => (
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
                  {w.word}
                </span>
              ))}
        </p>
      </div>
    </li>
  );
});

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
    item.scrollIntoView?.({ block: "nearest" });
  }
}

export function Transcript({ doc, active, time, colours, onSeek, follow, reveal }: TranscriptProps) {
  const t = useTranslations("transcript");
  const listRef = useRef<HTMLOListElement>(null);

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
      {segments.map((u, i) => (
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
        />
      ))}
    </ol>
  );
}
