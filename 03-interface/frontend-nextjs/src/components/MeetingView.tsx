"use client";
/**
 * The meeting page's interactive part: the audio player over the original recording, the
 * speaker timeline, the transcript (click to seek, the utterance being played highlighted and
 * kept in view), the speakers with inline renaming and talk statistics, and the downloads:
 * the transcript (JSON, SRT, VTT, TXT, RTTM) and the minutes (DOCX, PDF, Markdown).
 */
import { useCallback, useMemo, useRef, useState } from "react";
import { browserGateway, proxied } from "@/lib/api/browser";
import { unwrap } from "@/lib/api/client";
import type { SpeakerStatistics } from "@/lib/speaker-stats";
import { activeSegmentIndex, type FusionDocument, renameInDocument, speakerColours } from "@/lib/transcript";
import { SpeakerList } from "./SpeakerList";
import { SpeakerTimeline } from "./SpeakerTimeline";
import { Transcript } from "./Transcript";

/** Export formats of `GET /api/v1/meetings/{id}/transcript?format=…`. */
export const DOWNLOAD_FORMATS = [
  ["json", "JSON"],
  ["srt", "SRT"],
  ["vtt", "VTT"],
  ["txt", "TXT"],
  ["rttm", "RTTM"],
] as const;

/**
 * Minutes formats of the same route: title, date, duration, language, participants with
 * their talk statistics, then the transcript.
 */
export const MINUTES_FORMATS = [
  ["docx", "DOCX"],
  ["pdf", "PDF"],
  ["md", "Markdown"],
] as const;

/** Persist a speaker's new name (injectable for tests). */
export type RenameSpeaker = (meetingId: string, label: string, name: string) => Promise<void>;

const renameViaGateway: RenameSpeaker = async (meetingId, label, name) => {
  unwrap(
    await browserGateway().PATCH("/api/v1/meetings/{meeting_id}/speakers/{label}", {
      params: { path: { meeting_id: meetingId, label } },
      body: { name },
    }),
  );
};

export interface MeetingViewProps {
  meetingId: string;
  /** Base name of downloaded files (no extension). */
  fileStem: string;
  document: FusionDocument;
  renameSpeaker?: RenameSpeaker;
  /** Speaker label → talk statistics from the meeting detail (`speakerStatistics`). */
  statistics?: Map<string, SpeakerStatistics>;
}

export function MeetingView({
  meetingId,
  fileStem,
  document: initialDocument,
  renameSpeaker = renameViaGateway,
  statistics,
}: MeetingViewProps) {
  const audioRef = useRef<HTMLAudioElement>(null);
  const [doc, setDoc] = useState(initialDocument);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState<number | undefined>(undefined);
  const [playing, setPlaying] = useState(false);
  const [audioError, setAudioError] = useState<string | null>(null);

  const colours = useMemo(() => speakerColours(doc), [doc]);
  const active = useMemo(() => activeSegmentIndex(doc.segments, time), [doc.segments, time]);

  const seek = useCallback((seconds: number) => {
    const audio = audioRef.current;
    const target = Math.max(0, seconds);
    if (audio) audio.currentTime = target;
    setTime(target);
  }, []);

  const rename = useCallback(
    async (label: string, name: string) => {
      await renameSpeaker(meetingId, label, name);
      setDoc((d) => renameInDocument(d, label, name));
    },
    [meetingId, renameSpeaker],
  );

  const base = `/api/v1/meetings/${encodeURIComponent(meetingId)}`;
  return (
    <>
      <section className="card player" aria-label="Recording">
        <audio
          ref={audioRef}
          controls
          preload="metadata"
          src={proxied(`${base}/audio`)}
          onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
          onSeeked={(e) => setTime(e.currentTarget.currentTime)}
          onLoadedMetadata={(e) => {
            const d = e.currentTarget.duration;
            if (Number.isFinite(d)) setDuration(d);
          }}
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onEnded={() => setPlaying(false)}
          onError={() => setAudioError("The recording cannot be played in this browser or is no longer available.")}
        >
          <track kind="captions" src={proxied(`${base}/transcript?format=vtt`)} srcLang={doc.language ?? "en"} label="Transcript" />
        </audio>
        {audioError ? <p className="alert error">{audioError}</p> : null}
        <SpeakerTimeline doc={doc} duration={duration} time={time} colours={colours} onSeek={seek} />
      </section>
      <div className="layout-meeting">
        <section className="card" aria-labelledby="transcript-title">
          <h2 id="transcript-title">Transcript</h2>
          <Transcript doc={doc} active={active} time={time} colours={colours} onSeek={seek} follow={playing} />
        </section>
        <aside className="sidebar" aria-label="Speakers and downloads">
          <div className="card">
            <h2>Speakers</h2>
            <SpeakerList doc={doc} colours={colours} onRename={rename} statistics={statistics} />
            <h2 style={{ marginTop: "1rem" }}>Download</h2>
            <div className="downloads">
              {DOWNLOAD_FORMATS.map(([format, label]) => (
                <a
                  key={format}
                  className="button secondary"
                  href={proxied(`${base}/transcript?format=${format}`)}
                  download={`${fileStem}.${format}`}
                  aria-label={`Download the transcript as ${label}`}
                >
                  {label}
                </a>
              ))}
            </div>
            <h2 style={{ marginTop: "1rem" }}>Minutes</h2>
            <div className="downloads">
              {MINUTES_FORMATS.map(([format, label]) => (
                <a
                  key={format}
                  className="button secondary"
                  href={proxied(`${base}/transcript?format=${format}`)}
                  download={`${fileStem}.${format}`}
                  aria-label={`Download the minutes as ${label}`}
                >
                  {label}
                </a>
              ))}
            </div>
          </div>
        </aside>
      </div>
    </>
  );
}
