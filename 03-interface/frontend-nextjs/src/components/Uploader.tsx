"use client";
/**
 * Upload a recording: drag-and-drop or file picker, optional title, language and speaker
 * count (exact or a range); a real progress bar (bytes sent of the multipart body, percent);
 * clear messages for refused files (size, type), HTTP errors (400/413/415…) and network loss,
 * in the user's language; cancel while uploading.
 */
import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { type DragEvent, type FormEvent, useId, useRef, useState } from "react";
import { type Message, msg } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { describeError } from "@/lib/api/errors";
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

/**
 * Languages offered in the form (ISO-639-1; named by `languages.<code>` in the messages);
 * `auto` lets the recogniser detect it.
 */
export const LANGUAGES = ["auto", "en", "fr", "de", "es", "it", "nl", "pt", "pl", "ru", "uk", "ar", "zh", "ja"] as const;

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
 * @returns `[options, null]` or `[null, message]` (`uploader.errors.*`).
 */
export function speakerOptions(
  mode: SpeakerMode,
  exact: string,
  min: string,
  max: string,
): [Pick<UploadOptions, "num_speakers" | "min_speakers" | "max_speakers">, null] | [null, Message] {
  const parse = (v: string) => (v.trim() === "" ? undefined : Number(v));
  const valid = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 1 && n <= 64);
  if (mode === "exact") {
    const n = parse(exact);
    if (n === undefined || !valid(n)) return [null, msg("uploader.errors.exactRange", { min: 1, max: 64 })];
    return [{ num_speakers: n }, null];
  }
  if (mode === "range") {
    const lo = parse(min);
    const hi = parse(max);
    if (lo === undefined && hi === undefined) return [null, msg("uploader.errors.rangeEmpty")];
    if (!valid(lo) || !valid(hi)) return [null, msg("uploader.errors.rangeWhole", { min: 1, max: 64 })];
    if (lo !== undefined && hi !== undefined && lo > hi) return [null, msg("uploader.errors.rangeOrder")];
    return [{ min_speakers: lo, max_speakers: hi }, null];
  }
  return [{}, null];
}

export function Uploader({ maxBytes, upload = uploadViaProxy, onUploaded }: UploaderProps) {
  const router = useRouter();
  const t = useTranslations("uploader");
  const tl = useTranslations("languages");
  const text = useMessageText();
  const locale = useLocale();
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
  const [error, setError] = useState<Message | null>(null);
  const [success, setSuccess] = useState<Message | null>(null);
  const ids = { file: useId(), title: useId(), lang: useId(), mode: useId(), exact: useId(), min: useId(), max: useId() };

  const choose = (chosen: File | null | undefined) => {
    setSuccess(null);
    setProgress(null);
    if (!chosen) return;
    const refusal = validateRecording(chosen, maxBytes, locale);
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
      setError(msg("uploader.errors.noFile"));
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
      setSuccess(msg("uploader.uploaded", { title: title.trim() || file.name }));
      setFile(null);
      setTitle("");
      if (inputRef.current) inputRef.current.value = "";
      if (onUploaded) onUploaded(accepted);
      else router.refresh();
    } catch (err) {
      setError(describeError(err));
      setProgress(null);
    } finally {
      handleRef.current = null;
      setUploading(false);
    }
  };

  return (
    <section className="card" aria-labelledby="upload-title">
      <h2 id="upload-title">{t("title")}</h2>
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
              <span className="file-name">{file.name}</span> <span className="muted">({formatBytes(file.size, locale)})</span>
              <br />
              <span className="muted">{t("dropAnother")}</span>
            </>
          ) : (
            <>
              <strong>{t("drop")}</strong>
              <br />
              <span className="muted">{t("dropHint", { max: formatBytes(maxBytes, locale) })}</span>
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
              {t("titleLabel")} <span className="field-hint">{t("optional")}</span>
            </label>
            <input id={ids.title} type="text" maxLength={255} value={title} onChange={(e) => setTitle(e.target.value)} disabled={uploading} />
          </div>
          <div className="field">
            <label htmlFor={ids.lang}>{t("language")}</label>
            <select id={ids.lang} value={language} onChange={(e) => setLanguage(e.target.value)} disabled={uploading}>
              {LANGUAGES.map((code) => (
                <option key={code} value={code}>
                  {tl(code)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.mode}>{t("speakers")}</label>
            <select id={ids.mode} value={mode} onChange={(e) => setMode(e.target.value as SpeakerMode)} disabled={uploading}>
              <option value="auto">{t("speakersAuto")}</option>
              <option value="exact">{t("speakersExact")}</option>
              <option value="range">{t("speakersRange")}</option>
            </select>
          </div>
          {mode === "exact" ? (
            <div className="field">
              <label htmlFor={ids.exact}>{t("speakerCount")}</label>
              <input id={ids.exact} type="number" min={1} max={64} value={exact} onChange={(e) => setExact(e.target.value)} disabled={uploading} />
            </div>
          ) : null}
          {mode === "range" ? (
            <>
              <div className="field">
                <label htmlFor={ids.min}>{t("atLeast")}</label>
                <input id={ids.min} type="number" min={1} max={64} value={min} onChange={(e) => setMin(e.target.value)} disabled={uploading} />
              </div>
              <div className="field">
                <label htmlFor={ids.max}>{t("atMost")}</label>
                <input id={ids.max} type="number" min={1} max={64} value={max} onChange={(e) => setMax(e.target.value)} disabled={uploading} />
              </div>
            </>
          ) : null}
        </div>
        <div className="row">
          <button type="submit" disabled={uploading || !file}>
            {uploading ? t("uploading") : t("submit")}
          </button>
          {uploading ? (
            <button type="button" className="secondary" onClick={() => handleRef.current?.abort()}>
              {t("cancel")}
            </button>
          ) : null}
        </div>
        {progress ? (
          <div data-testid="upload-progress">
            <ProgressBar
              value={progress.total > 0 ? progress.loaded / progress.total : null}
              label={t("progress")}
              caption={t("progressCaption", { loaded: formatBytes(progress.loaded, locale), total: formatBytes(progress.total, locale) })}
            />
          </div>
        ) : null}
        <div aria-live="polite">
          {error ? (
            <p className="alert error" role="alert">
              {text(error)}
            </p>
          ) : null}
          {success ? <p className="alert success">{text(success)}</p> : null}
        </div>
      </form>
    </section>
  );
}
