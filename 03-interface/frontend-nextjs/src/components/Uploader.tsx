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
import { SpeakerFields, type SpeakerFieldValues, speakerOptions } from "./SpeakerFields";

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

export function Uploader({ maxBytes, upload = uploadViaProxy, onUploaded }: UploaderProps) {
  const router = useRouter();
  const t = useTranslations("uploader");
  const text = useMessageText();
  const locale = useLocale();
  const inputRef = useRef<HTMLInputElement>(null);
  const handleRef = useRef<UploadHandle<ProcessAccepted> | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const [title, setTitle] = useState("");
  const [fields, setFields] = useState<SpeakerFieldValues>({ language: "auto", mode: "auto", exact: "2", min: "", max: "" });
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const [success, setSuccess] = useState<Message | null>(null);
  const ids = { file: useId(), title: useId() };

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
    const [speakers, speakerError] = speakerOptions(fields.mode, fields.exact, fields.min, fields.max);
    if (speakerError !== null) {
      setError(speakerError);
      return;
    }
    setError(null);
    setUploading(true);
    setProgress({ loaded: 0, total: file.size });
    const handle = upload(
      file,
      { title: title.trim() || undefined, language: fields.language, ...speakers },
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
          <SpeakerFields values={fields} onChange={(change) => setFields((f) => ({ ...f, ...change }))} disabled={uploading} />
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
