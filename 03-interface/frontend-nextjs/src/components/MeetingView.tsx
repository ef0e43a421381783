"use client";
/**
 * The meeting page's interactive part: the audio player over the original recording, the
 * speaker timeline with its time axis, the transcript in speaker turns (click to seek, the
 * utterance being played highlighted and kept in view), the speakers with inline renaming and
 * talk statistics, the downloads: the transcript (JSON, SRT, VTT, TXT, RTTM) and the minutes
 * (DOCX, PDF, Markdown), and keyboard shortcuts (Space / k play-pause, j / l and ← / → 5 s
 * back / forward, n / p next / previous utterance, ? the list).
 */
import { useTranslations } from "next-intl";
import { useCallback, useMemo, useRef, useState } from "react";
import { browserGateway, proxied } from "@/lib/api/browser";
import { unwrap } from "@/lib/api/client";
import type { SpeakerStatistics } from "@/lib/speaker-stats";
import {
  activeSegmentIndex,
  type FusionDocument,
  nextUtteranceIndex,
  previousUtteranceIndex,
  renameInDocument,
  speakerColours,
} from "@/lib/transcript";
import { type ShortcutMap, useShortcuts } from "@/lib/useShortcuts";
import { ShortcutsHelp } from "./ShortcutsHelp";
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

/** Seconds the j / l and arrow shortcuts move the playback by. */
export const SKIP_SECONDS = 5;

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
  const t = useTranslations("meeting");
  const audioRef = useRef<HTMLAudioElement>(null);
  const [doc, setDoc] = useState(initialDocument);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState<number | undefined>(undefined);
  const [playing, setPlaying] = useState(false);
  const [audioError, setAudioError] = useState(false);
  const [showHelp, setShowHelp] = useState(false);
  const [reveal, setReveal] = useState<{ index: number } | null>(null);

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

  /** The playback position now (the element's, more recent than the last `timeupdate`). */
  const now = () => audioRef.current?.currentTime ?? time;
  const end = () => {
    const d = audioRef.current?.duration;
    return Number.isFinite(d) && d ? d : Math.max(duration ?? 0, doc.duration ?? 0) || Number.POSITIVE_INFINITY;
  };
  const togglePlay = () => {
    const audio = audioRef.current;
    if (!audio) return;
    if (audio.paused) void audio.play()?.catch(() => undefined);
    else audio.pause();
  };
  const skip = (delta: number) => seek(Math.min(end(), Math.max(0, now() + delta)));
  const goTo = (index: number) => {
    const utterance = doc.segments[index];
    if (!utterance) return;
    seek(utterance.start);
    setReveal({ index });
  };
  const shortcuts: ShortcutMap = {
    " ": togglePlay,
    k: togglePlay,
    j: () => skip(-SKIP_SECONDS),
    ArrowLeft: () => skip(-SKIP_SECONDS),
    l: () => skip(SKIP_SECONDS),
    ArrowRight: () => skip(SKIP_SECONDS),
    n: () => goTo(nextUtteranceIndex(doc.segments, now())),
    p: () => goTo(Math.max(0, previousUtteranceIndex(doc.segments, now()))),
    "?": () => setShowHelp((open) => !open),
  };
  useShortcuts(shortcuts);

  const base = `/api/v1/meetings/${encodeURIComponent(meetingId)}`;
  return (
    <>
      <section className="card player" aria-label={t("player")}>
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
          onError={() => setAudioError(true)}
        >
          <track kind="captions" src={proxied(`${base}/transcript?format=vtt`)} srcLang={doc.language ?? "en"} label={t("captions")} />
        </audio>
        {audioError ? <p className="alert error">{t("audioError")}</p> : null}
        <SpeakerTimeline doc={doc} duration={duration} time={time} colours={colours} onSeek={seek} />
        <p className="shortcuts-hint">
          <button type="button" className="link" aria-keyshortcuts="?" onClick={() => setShowHelp((open) => !open)} aria-expanded={showHelp}>
            {t("shortcutsButton")}
          </button>
        </p>
      </section>
      {showHelp ? <ShortcutsHelp onClose={() => setShowHelp(false)} /> : null}
      <div className="layout-meeting">
        <section className="card" aria-labelledby="transcript-title">
          <h2 id="transcript-title">{t("transcript")}</h2>
          <Transcript doc={doc} active={active} time={time} colours={colours} onSeek={seek} follow={playing} reveal={reveal} />
        </section>
        <aside className="sidebar" aria-label={t("sidebar")}>
          <div className="card">
            <h2>{t("speakers")}</h2>
            <SpeakerList doc={doc} colours={colours} onRename={rename} statistics={statistics} />
            <h2 style={{ marginTop: "1rem" }}>{t("download")}</h2>
            <div className="downloads">
              {DOWNLOAD_FORMATS.map(([format, label]) => (
                <a
                  key={format}
                  className="button secondary"
                  href={proxied(`${base}/transcript?format=${format}`)}
                  download={`${fileStem}.${format}`}
                  aria-label={t("downloadTranscriptAs", { format: label })}
                >
                  {label}
                </a>
              ))}
            </div>
            <h2 style={{ marginTop: "1rem" }}>{t("minutes")}</h2>
            <div className="downloads">
              {MINUTES_FORMATS.map(([format, label]) => (
                <a
                  key={format}
                  className="button secondary"
                  href={proxied(`${base}/transcript?format=${format}`)}
                  download={`${fileStem}.${format}`}
                  aria-label={t("downloadMinutesAs", { format: label })}
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
