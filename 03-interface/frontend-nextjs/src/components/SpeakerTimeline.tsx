"use client";
/**
 * Who spoke when: one lane per speaker with a bar per stretch of speech, a playhead at the
 * current playback position, and a time axis below (ticks at a round step for the duration,
 * labelled `m:ss` / `h:mm:ss`). Clicking a lane seeks to that point; each bar is also a keyboard
 * focusable button that seeks to its start.
 */
import { useTranslations } from "next-intl";
import type { MouseEvent } from "react";
import { formatTimestamp } from "@/lib/format";
import { timeAxisTicks } from "@/lib/time-axis";
import { displayName, type FusionDocument, timelineLanes } from "@/lib/transcript";

export interface SpeakerTimelineProps {
  doc: FusionDocument;
  /** Duration of the recording in seconds (from the audio element when known). */
  duration?: number | undefined;
  /** Playback position in seconds. */
  time: number;
  colours: Map<string, string>;
  /** Seek the audio to a time in seconds. */
  onSeek: (seconds: number) => void;
}

/** The time axis: tick marks and labels under the lanes (decorative: bars carry their times). */
function TimeAxis({ total }: { total: number }) {
  const ticks = timeAxisTicks(total);
  return (
    <div className="timeline-axis" aria-hidden="true" data-testid="time-axis">
      <span />
      <div className="axis-track">
        {ticks.map((tick, i) => (
          <span
            key={tick.seconds}
            className={`tick${i === 0 ? " first" : ""}${tick.left > 99.5 ? " last" : ""}${i % 2 === 1 ? " odd" : ""}`}
            style={{ left: `${tick.left}%` }}
            data-seconds={tick.seconds}
          >
            {tick.label}
          </span>
        ))}
      </div>
    </div>
  );
}

export function SpeakerTimeline({ doc, duration, time, colours, onSeek }: SpeakerTimelineProps) {
  const t = useTranslations("timeline");
  const lanes = timelineLanes(doc, duration);
  const lastEnd = doc.segments.reduce((m, s) => Math.max(m, s.end), 0);
  const total = Math.max(duration ?? 0, doc.duration ?? 0, lastEnd, 1e-6);
  const playhead = Math.min(100, Math.max(0, (time / total) * 100));

  const seekFromClick = (event: MouseEvent<HTMLDivElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    if (rect.width <= 0) return;
    onSeek(((event.clientX - rect.left) / rect.width) * total);
  };

  return (
    <div className="timeline" role="group" aria-label={t("label")}>
      {lanes.map((lane) => {
        const name = displayName(doc, lane.label);
        const colour = colours.get(lane.label) ?? "var(--muted)";
        return (
          <div className="lane" key={lane.label} data-speaker-label={lane.label}>
            <span className="lane-name" style={{ color: colour }} title={name}>
              {name}
            </span>
            <div className="lane-track" onClick={seekFromClick} data-testid={`lane-${lane.label}`}>
              {lane.bars.map((bar) => (
                <button
                  type="button"
                  key={`${bar.start}-${bar.end}`}
                  className="lane-bar"
                  style={{ left: `${bar.left}%`, width: `${bar.width}%`, background: colour, padding: 0, border: 0, minHeight: 0 }}
                  aria-label={t("bar", { name, start: formatTimestamp(bar.start), end: formatTimestamp(bar.end) })}
                  onClick={(e) => {
                    e.stopPropagation();
                    onSeek(bar.start);
                  }}
                />
              ))}
              <span className="playhead" style={{ left: `${playhead}%` }} aria-hidden="true" />
            </div>
          </div>
        );
      })}
      {lanes.length ? <TimeAxis total={total} /> : null}
    </div>
  );
}
