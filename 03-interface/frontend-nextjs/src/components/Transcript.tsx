"use client";
/**
 * The transcript as utterances: timestamp, speaker name in the speaker's colour, words.
 * Clicking an utterance seeks to its start, clicking a word seeks to that word; the utterance
 * being played is marked `aria-current` and kept in view while the audio plays.
 */
import { memo, useEffect, useRef } from "react";
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
}

interface UtteranceRowProps {
  utterance: Utterance;
  index: number;
  isActive: boolean;
  /** Same speaker as the previous utterance: the name is only announced, not shown again. */
  continued: boolean;
  activeWord: number;
  colour: string;
  onSeek: (seconds: number) => void;
}

const UtteranceRow = memo(function UtteranceRow({ utterance, index, isActive, continued, activeWord, colour, onSeek }: UtteranceRowProps) {
  const words = utterance.words;
  return (
    <li
      className={continued ? "utterance continued" : "utterance"}
      aria-current={isActive ? "true" : undefined}
      data-index={index}
      data-start={utterance.start}
      data-speaker-label={labelOf(utterance)}
      onClick={() => onSeek(utterance.start)}
    >
      <button
        type="button"
        className="time link"
        aria-label={`Play from ${formatTimestamp(utterance.start)}, ${utterance.speaker}`}
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

export function Transcript({ doc, active, time, colours, onSeek, follow }: TranscriptProps) {
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (!follow || active < 0) return;
    const list = listRef.current;
    const item = list?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    if (!list || !item) return;
    if (list.scrollHeight > list.clientHeight) {
      // The list scrolls on its own (laptop layout): move it only when the item is out of view.
      const top = item.offsetTop;
      const bottom = top + item.offsetHeight;
      if (top < list.scrollTop || bottom > list.scrollTop + list.clientHeight) {
        list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3) });
      }
    } else {
      item.scrollIntoView?.({ block: "nearest" });
    }
  }, [active, follow]);

  if (doc.segments.length === 0) {
    return <p className="muted">No speech was found in this recording.</p>;
  }
  return (
    <ol className="transcript" ref={listRef} aria-label="Transcript" style={{ position: "relative" }}>
      {doc.segments.map((u, i) => (
        <UtteranceRow
          key={`${u.start}-${i}`}
          utterance={u}
          index={i}
          isActive={i === active}
          continued={i > 0 && labelOf(doc.segments[i - 1]!) === labelOf(u) && u.speaker === doc.segments[i - 1]!.speaker}
          activeWord={i === active ? activeWordIndex(u, time) : -1}
          colour={colours.get(labelOf(u)) ?? "inherit"}
          onSeek={onSeek}
        />
      ))}
    </ol>
  );
}
