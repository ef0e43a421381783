"use client";
/**
 * The meeting page's interactive part: the audio player over the original recording, the
 * speaker timeline with its time axis, the transcript in speaker turns (click to seek, the
 * utterance being played highlighted and kept in view), the speakers with their talk
 * statistics, the downloads: the transcript (JSON, SRT, VTT, TXT, RTTM) and the minutes
 * (DOCX, PDF, Markdown), and keyboard shortcuts (Space / k play-pause, j / l and ← / → 5 s
 * back / forward, n / p next / previous utterance, / find, ? the list).
 *
 * The workspace: correct an utterance's text or give it to another speaker, rename a speaker
 * or show its label again, merge two speakers, say a name the voice bank gave is not this
 * person, enrol a speaker in the voice bank; each change is saved by the gateway (a new
 * revision), shown at once, then the exact document (new word timings) is reloaded. The find
 * box highlights its matches and jumps between them; a link with `?t=` / `?segment=` opens
 * the page at that utterance.
 */
import { useTranslations } from "next-intl";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { proxied } from "@/lib/api/browser";
import type { MeetingPublic } from "@/lib/api/client";
import { findMatches } from "@/lib/find";
import { type SpeakerStatistics, speakerStatistics } from "@/lib/speaker-stats";
import {
  activeSegmentIndex,
  type FusionDocument,
  nextUtteranceIndex,
  previousUtteranceIndex,
  renameInDocument,
  speakerColours,
} from "@/lib/transcript";
import { type ShortcutMap, useShortcuts } from "@/lib/useShortcuts";
import {
  applySegmentChange,
  gatewayWorkspaceApi,
  mergeInDocument,
  positionOfIndex,
  rejectInDocument,
  type SegmentChange,
  segmentIndex,
  speakerChoices,
  type WorkspaceApi,
} from "@/lib/workspace";
import { ShortcutsHelp } from "./ShortcutsHelp";
import { SpeakerList } from "./SpeakerList";
import { SpeakerTimeline } from "./SpeakerTimeline";
import { Transcript } from "./Transcript";
import { TranscriptFind } from "./TranscriptFind";

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

/** Where to open the page: a time in seconds and / or the gateway's utterance index. */
export interface MeetingFocus {
  time?: number | undefined;
  segment?: number | undefined;
}

export interface MeetingViewProps {
  meetingId: string;
  /** Base name of downloaded files (no extension). */
  fileStem: string;
  /** The transcript; a new object (e.g. after "Revert all edits") replaces the page's copy. */
  document: FusionDocument;
  /** The gateway calls (injectable for tests). */
  api?: WorkspaceApi;
  /** Speaker label → talk statistics from the meeting detail (`speakerStatistics`). */
  statistics?: Map<string, SpeakerStatistics> | undefined;
  /** Called with the meeting as the gateway returned it after each change (revision, statistics). */
  onMeetingChange?: ((meeting: MeetingPublic) => void) | undefined;
  /** Offer "Enrol" (in the voice bank) on each speaker: the gateway has a voice bank. */
  voiceBank?: boolean;
  /** Open at this utterance / time (links of the search page). */
  focus?: MeetingFocus | null | undefined;
}

export function MeetingView({
  meetingId,
  fileStem,
  document: initialDocument,
  api = gatewayWorkspaceApi,
  statistics: initialStatistics,
  onMeetingChange,
  voiceBank = false,
  focus,
}: MeetingViewProps) {
  const t = useTranslations("meeting");
  const audioRef = useRef<HTMLAudioElement>(null);
  const findRef = useRef<HTMLInputElement>(null);
  const [doc, setDoc] = useState(initialDocument);
  const [source, setSource] = useState(initialDocument);
  const [statistics, setStatistics] = useState(initialStatistics);
  const [statisticsSource, setStatisticsSource] = useState(initialStatistics);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState<number | undefined>(undefined);
  const [playing, setPlaying] = useState(false);
  const [audioError, setAudioError] = useState(false);
  const [showHelp, setShowHelp] = useState(false);
  const [reveal, setReveal] = useState<{ index: number } | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [query, setQuery] = useState("");
  const [matchChosen, setCurrentMatch] = useState(-1);
  const [linked, setLinked] = useState<number | null>(null);
  /** A seek asked for before the audio had its metadata (applied once it has). */
  const pendingSeek = useRef<number | null>(null);
  /** Bumped by every change: a reload started before a later change is dropped. */
  const generation = useRef(0);

  // A new document or new statistics from the caller (e.g. after a revert) replace ours.
  if (initialDocument !== source) {
    setSource(initialDocument);
    setDoc(initialDocument);
    setEditing(null);
  }
  if (initialStatistics !== statisticsSource) {
    setStatisticsSource(initialStatistics);
    setStatistics(initialStatistics);
  }

  const colours = useMemo(() => speakerColours(doc), [doc]);
  const active = useMemo(() => activeSegmentIndex(doc.segments, time), [doc.segments, time]);
  const speakers = useMemo(() => speakerChoices(doc), [doc]);
  const matches = useMemo(() => findMatches(doc, query), [doc, query]);
  // An edit can leave fewer matches than the one last gone to: start again from the first.
  const currentMatch = matchChosen < matches.length ? matchChosen : -1;

  const seek = useCallback((seconds: number) => {
    const audio = audioRef.current;
    const target = Math.max(0, seconds);
    if (audio) {
      if (audio.readyState === 0) pendingSeek.current = target;
      audio.currentTime = target;
    }
    setTime(target);
  }, []);

  // Opened from a link (`?t=…&segment=…`): go to that utterance, mark it, play from there.
  const focusTime = focus?.time;
  const focusSegment = focus?.segment;
  useEffect(() => {
    if (focusTime === undefined && focusSegment === undefined) return;
    const segments = initialDocument.segments;
    let position = focusSegment === undefined ? -1 : positionOfIndex(initialDocument, focusSegment);
    if (position < 0 && focusTime !== undefined) {
      position = activeSegmentIndex(segments, focusTime);
      if (position < 0) position = nextUtteranceIndex(segments, focusTime);
    }
    const start = focusTime ?? (position >= 0 ? segments[position]?.start : undefined);
    if (start !== undefined) seek(start);
    if (position >= 0) {
      setLinked(position);
      setReveal({ index: position });
    }
    // Only on arrival: later changes of the document do not move the page.
  }, [focusTime, focusSegment]);

  /** After a change the gateway accepted: take its meeting, then reload the exact document. */
  const saved = useCallback(
    (meeting: MeetingPublic | null, local: (d: FusionDocument) => FusionDocument) => {
      const mine = ++generation.current;
      setDoc(local);
      if (meeting) {
        setStatistics(speakerStatistics(meeting));
        onMeetingChange?.(meeting);
      }
      void api.transcript(meetingId).then(
        (fresh) => {
          if (mine === generation.current) setDoc(fresh);
        },
        () => undefined, // the local copy stays (it says the same; the timings come with a reload)
      );
    },
    [api, meetingId, onMeetingChange],
  );

  const saveSegment = useCallback(
    async (position: number, change: SegmentChange) => {
      const meeting = await api.editSegment(meetingId, segmentIndex(doc, position), change);
      setEditing(null);
      saved(meeting, (d) => applySegmentChange(d, position, change));
    },
    [api, doc, meetingId, saved],
  );

  const rename = useCallback(
    async (label: string, name: string | null) => {
      const meeting = await api.renameSpeaker(meetingId, label, name);
      saved(meeting, (d) => renameInDocument(d, label, name));
    },
    [api, meetingId, saved],
  );

  const merge = useCallback(
    async (from: string, into: string) => {
      const meeting = await api.mergeSpeakers(meetingId, [from], into);
      saved(meeting, (d) => mergeInDocument(d, [from], into));
    },
    [api, meetingId, saved],
  );

  const reject = useCallback(
    async (label: string) => {
      const meeting = await api.rejectSpeaker(meetingId, label);
      saved(meeting, (d) => rejectInDocument(d, label));
    },
    [api, meetingId, saved],
  );

  const enrol = useCallback(
    async (label: string, name: string) => {
      await api.enrolSpeaker(meetingId, label, name);
      // The enrolment renamed the speaker (a new revision): take the meeting as it is now.
      const meeting = await api.meeting(meetingId).catch(() => null);
      saved(meeting, (d) => renameInDocument(d, label, name));
    },
    [api, meetingId, saved],
  );

  const changeQuery = (next: string) => {
    setQuery(next);
    setCurrentMatch(-1);
    const first = findMatches(doc, next)[0];
    if (first) setReveal({ index: first.position });
  };

  const jump = (step: 1 | -1) => {
    if (matches.length === 0) return;
    const next = currentMatch < 0 ? (step === 1 ? 0 : matches.length - 1) : (currentMatch + step + matches.length) % matches.length;
    setCurrentMatch(next);
    const match = matches[next];
    const utterance = match ? doc.segments[match.position] : undefined;
    if (!match || !utterance) return;
    seek(utterance.start);
    setReveal({ index: match.position });
  };

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
    "/": () => {
      findRef.current?.focus();
      findRef.current?.select();
    },
    "?": () => setShowHelp((open) => !open),
  };
  // Never while an utterance is being corrected (its buttons must not play the audio).
  useShortcuts(shortcuts, editing === null);

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
            const audio = e.currentTarget;
            const d = audio.duration;
            if (Number.isFinite(d)) setDuration(d);
            if (pendingSeek.current !== null) {
              audio.currentTime = pendingSeek.current;
              pendingSeek.current = null;
            }
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
          <div className="transcript-head">
            <h2 id="transcript-title">{t("transcript")}</h2>
            <TranscriptFind query={query} onQueryChange={changeQuery} total={matches.length} current={currentMatch} onJump={jump} inputRef={findRef} />
          </div>
          <Transcript
            doc={doc}
            active={active}
            time={time}
            colours={colours}
            onSeek={seek}
            follow={playing && editing === null}
            reveal={reveal}
            editing={editing}
            onEditingChange={setEditing}
            onSave={saveSegment}
            speakers={speakers}
            matches={matches}
            currentMatch={currentMatch}
            linked={linked}
          />
        </section>
        <aside className="sidebar" aria-label={t("sidebar")}>
          <div className="card">
            <h2>{t("speakers")}</h2>
            <SpeakerList
              doc={doc}
              colours={colours}
              onRename={rename}
              onMerge={merge}
              onReject={reject}
              onEnrol={voiceBank ? enrol : undefined}
              statistics={statistics}
            />
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
