"use client";
/**
 * Upload a recording: drag-and-drop or file picker, optional title, language and speaker
 * count (exact or a range); a real progress bar (bytes sent of the multipart body, percent);
 * clear messages for refused files (size, type), HTTP errors (400/413/415…) and network loss;
 * cancel while uploading.
 */
import { useRouter } from "next/navigation";
import { type DragEvent, type FormEvent, useId, useRef, useState } from "react";
import { proxied } from "@/lib/api/browser";
import type { ProcessAccepted } from "@/lib/api/client";
import { formatBytes } from "@/lib/format";
import {
  ACCEPT_ATTRIBUTE,
  type UploadHandle,
  type UploadOptions,
  type UploadProgress,
  uploadRecording,
  validateRecording,
} from "@/lib/upload";
import { ProgressBar } from "./ProgressBar";

/** Languages offered in the form (ISO-639-1); `auto` lets the recogniser detect it. */
export const LANGUAGES: ReadonlyArray<readonly [string, string]> = [
  ["auto", "Detect automatically"],
  ["en", "English"],
  ["fr", "French"],
  ["de", "German"],
  ["es", "Spanish"],
  ["it", "Italian"],
  ["nl", "Dutch"],
  ["pt", "Portuguese"],
  ["pl", "Polish"],
  ["ru", "Russian"],
  ["uk", "Ukrainian"],
  ["ar", "Arabic"],
  ["zh", "Chinese"],
  ["ja", "Japanese"],
];

type SpeakerMode = "auto" | "exact" | "range";

/** Function that starts an upload (injectable for tests). */
export type Uploader = (
  file: File,
  options: UploadOptions,
  onProgress: (p: UploadProgress) => void,
) => UploadHandle<ProcessAccepted>;

const uploadViaProxy: Uploader = (file, options, onProgress) =>
  uploadRecording<ProcessAccepted>(proxied("/api/v1/process"), file, options, onProgress);

export interface UploaderProps {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  upload?: Uploader;
  /** Called with the gateway's 202 answer (default: refresh the page data). */
  onUploaded?: (accepted: ProcessAccepted) => void;
}

/**
 * Speaker-count fields → upload options, or a message when they are inconsistent.
 *
 * @returns `[options, null]` or `[null, message]`.
 */
export function speakerOptions(
  mode: SpeakerMode,
  exact: string,
  min: string,
  max: string,
): [Pick<UploadOptions, "num_speakers" | "min_speakers" | "max_speakers">, null] | [null, string] {
  const parse = (v: string) => (v.trim() === "" ? undefined : Number(v));
  const valid = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 1 && n <= 64);
  if (mode === "exact") {
    const n = parse(exact);
    if (n === undefined || !valid(n)) return [null, "Enter a number of speakers between 1 and 64."];
    return [{ num_speakers: n }, null];
  }
  if (mode === "range") {
    const lo = parse(min);
    const hi = parse(max);
    if (lo === undefined && hi === undefined) return [null, "Enter a minimum, a maximum, or both."];
    if (!valid(lo) || !valid(hi)) return [null, "Speaker counts must be whole numbers between 1 and 64."];
    if (lo !== undefined && hi !== undefined && lo > hi) return [null, "The minimum is larger than the maximum."];
    return [{ min_speakers: lo, max_speakers: hi }, null];
  }
  return [{}, null];
}

export function Uploader({ maxBytes, upload = uploadViaProxy, onUploaded }: UploaderProps) {
  const router = useRouter();
  const inputRef = useRef<HTMLInputElement>(null);
  const handleRef = useRef<UploadHandle<ProcessAccepted> | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const [title, setTitle] = useState("");
  const [language, setLanguage] = useState("auto");
  const [mode, setMode] = useState<SpeakerMode>("auto");
  const [exact, setExact] = useState("2");
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const ids = { file: useId(), title: useId(), lang: useId(), mode: useId(), exact: useId(), min: useId(), max: useId() };

  const choose = (chosen: File | null | undefined) => {
    setSuccess(null);
    setProgress(null);
    if (!chosen) return;
    const refusal = validateRecording(chosen, maxBytes);
    setError(refusal);
    setFile(refusal ? null : chosen);
    if (refusal && inputRef.current) inputRef.current.value = "";
  };

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    if (!uploading) choose(event.dataTransfer.files?.[0]);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSuccess(null);
    if (!file) {
      setError("Choose a recording first.");
      return;
    }
    const [speakers, speakerError] = speakerOptions(mode, exact, min, max);
    if (speakerError !== null) {
      setError(speakerError);
      return;
    }
    setError(null);
    setUploading(true);
    setProgress({ loaded: 0, total: file.size });
    const handle = upload(
      file,
      { title: title.trim() || undefined, language, ...speakers },
      (p) => setProgress(p),
    );
    handleRef.current = handle;
    try {
      const accepted = await handle.done;
      setProgress((p) => (p ? { loaded: p.total, total: p.total } : p));
      setSuccess(`“${title.trim() || file.name}” is uploaded; processing has started.`);
      setFile(null);
      setTitle("");
      if (inputRef.current) inputRef.current.value = "";
      if (onUploaded) onUploaded(accepted);
      else router.refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setProgress(null);
    } finally {
      handleRef.current = null;
      setUploading(false);
    }
  };

  return (
    <section className="card" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a recording</h2>
      <form onSubmit={submit} noValidate>
        <label
          htmlFor={ids.file}
          className="dropzone"
          data-dragging={dragging ? "true" : "false"}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          {file ? (
            <>
              <span className="file-name">{file.name}</span> <span className="muted">({formatBytes(file.size)})</span>
              <br />
              <span className="muted">Drop another file or click to change it.</span>
            </>
          ) : (
            <>
              <strong>Drop an audio or video file here</strong>
              <br />
              <span className="muted">
                or click to choose one (wav, mp3, m4a, ogg, flac, webm, mp4 … up to {formatBytes(maxBytes)})
              </span>
            </>
          )}
          <input
            id={ids.file}
            ref={inputRef}
            type="file"
            name="file"
            accept={ACCEPT_ATTRIBUTE}
            className="visually-hidden"
            disabled={uploading}
            onChange={(e) => choose(e.target.files?.[0])}
          />
        </label>
        <div className="grid-fields">
          <div className="field">
            <label htmlFor={ids.title}>
              Title <span className="field-hint">(optional)</span>
            </label>
            <input id={ids.title} type="text" maxLength={255} value={title} onChange={(e) => setTitle(e.target.value)} disabled={uploading} />
          </div>
          <div className="field">
            <label htmlFor={ids.lang}>Language</label>
            <select id={ids.lang} value={language} onChange={(e) => setLanguage(e.target.value)} disabled={uploading}>
              {LANGUAGES.map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.mode}>Speakers</label>
            <select id={ids.mode} value={mode} onChange={(e) => setMode(e.target.value as SpeakerMode)} disabled={uploading}>
              <option value="auto">Detect automatically</option>
              <option value="exact">Exactly…</option>
              <option value="range">Between…</option>
            </select>
          </div>
          {mode === "exact" ? (
            <div className="field">
              <label htmlFor={ids.exact}>Number of speakers</label>
              <input id={ids.exact} type="number" min={1} max={64} value={exact} onChange={(e) => setExact(e.target.value)} disabled={uploading} />
            </div>
          ) : null}
          {mode === "range" ? (
            <>
              <div className="field">
                <label htmlFor={ids.min}>At least</label>
                <input id={ids.min} type="number" min={1} max={64} value={min} onChange={(e) => setMin(e.target.value)} disabled={uploading} />
              </div>
              <div className="field">
                <label htmlFor={ids.max}>At most</label>
                <input id={ids.max} type="number" min={1} max={64} value={max} onChange={(e) => setMax(e.target.value)} disabled={uploading} />
              </div>
            </>
          ) : null}
        </div>
        <div className="row">
          <button type="submit" disabled={uploading || !file}>
            {uploading ? "Uploading…" : "Upload and transcribe"}
          </button>
          {uploading ? (
            <button type="button" className="secondary" onClick={() => handleRef.current?.abort()}>
              Cancel upload
            </button>
          ) : null}
        </div>
        {progress ? (
          <div data-testid="upload-progress">
            <ProgressBar
              value={progress.total > 0 ? progress.loaded / progress.total : null}
              label="Upload progress"
              caption={`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`}
            />
          </div>
        ) : null}
        <div aria-live="polite">
          {error ? (
            <p className="alert error" role="alert">
              {error}
            </p>
          ) : null}
          {success ? <p className="alert success">{success}</p> : null}
        </div>
      </form>
    </section>
  );
}
