/**
 * Browser upload of a recording to `POST /api/v1/process` (through the dashboard's `/gw`
 * proxy) with real progress events. `fetch` cannot report upload progress, so this uses
 * `XMLHttpRequest` and its `upload.onprogress` (bytes sent / total bytes of the multipart body).
 */
import { type Message, msg } from "@/i18n/message";
import { errorCode, errorMessage } from "./api/errors";
import { formatBytes } from "./format";

/** File extensions the pipeline decodes with ffmpeg (audio and common video containers). */
export const AUDIO_EXTENSIONS = [
  "wav", "mp3", "m4a", "aac", "ogg", "oga", "opus", "flac", "wma", "amr", "aif", "aiff",
  "webm", "mp4", "m4v", "mov", "mkv", "3gp", "mpga", "mpeg",
] as const;

/** Value of the file input's `accept` attribute. */
export const ACCEPT_ATTRIBUTE = ["audio/*", "video/*", ...AUDIO_EXTENSIONS.map((e) => `.${e}`)].join(",");

/**
 * Check a chosen file before uploading it.
 *
 * @param file The file (name, size in bytes, MIME type).
 * @param maxBytes Largest accepted size in bytes.
 * @param locale Language of the sizes in the message (`en`, `fr`).
 * @returns The message for the user when the file is refused (`upload.empty`,
 *   `upload.tooLarge`, `upload.notAudio`), else `null`.
 */
export function validateRecording(file: Pick<File, "name" | "size" | "type">, maxBytes: number, locale = "en"): Message | null {
  if (file.size === 0) return msg("upload.empty", { name: file.name });
  if (file.size > maxBytes) {
    return msg("upload.tooLarge", { name: file.name, size: formatBytes(file.size, locale), max: formatBytes(maxBytes, locale) });
  }
  const ext = file.name.includes(".") ? file.name.split(".").pop()?.toLowerCase() ?? "" : "";
  const typeOk = file.type.startsWith("audio/") || file.type.startsWith("video/");
  const extOk = (AUDIO_EXTENSIONS as readonly string[]).includes(ext);
  if (!typeOk && !extOk) {
    return msg("upload.notAudio", { name: file.name, accepted: AUDIO_EXTENSIONS.slice(0, 8).join(", ") });
  }
  return null;
}

/** Optional processing options sent with the file (multipart fields of `/api/v1/process`). */
export type UploadOptions = {
  title?: string | undefined;
  /** ISO-639-1 code, or undefined / `auto` to detect. */
  language?: string | undefined;
  num_speakers?: number | undefined;
  min_speakers?: number | undefined;
  max_speakers?: number | undefined;
};

/** Progress of an upload in bytes of the request body. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Why an upload failed: an HTTP answer (with the gateway's code), a network error, or the user
 * cancelled it. The message is for logs; users read `describeError(err)`.
 */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly kind: "http" | "network" | "aborted",
    readonly status?: number,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

/** The handle of a running upload. */
export interface UploadHandle<T> {
  /** Resolves with the parsed `202` body; rejects with an {@link UploadError}. */
  done: Promise<T>;
  /** Cancel the upload (rejects `done` with kind `aborted`). */
  abort: () => void;
}

/**
 * Upload one recording as `multipart/form-data` (`file` plus the non-empty options).
 *
 * @param url Where to POST, e.g. `/gw/api/v1/process`.
 * @param file The recording.
 * @param options The form fields next to `file`: title, language and speaker-count hints
 *   for `/api/v1/process`, or any other fields (e.g. `name` for an enrolment).
 * @param onProgress Called with bytes sent and total bytes as the body goes out.
 * @returns A handle with the result promise and an `abort` function.
 */
export function uploadRecording<T = unknown>(
  url: string,
  file: File,
  options: Readonly<Record<string, string | number | null | undefined>>,
  onProgress?: (progress: UploadProgress) => void,
): UploadHandle<T> {
  const form = new FormData();
  form.append("file", file, file.name);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null || value === "" || (key === "language" && value === "auto")) continue;
    form.append(key, String(value));
  }
  const xhr = new XMLHttpRequest();
  const done = new Promise<T>((resolve, reject) => {
    xhr.open("POST", url);
    xhr.responseType = "text";
    xhr.setRequestHeader("Accept", "application/json");
    let total = file.size;
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) total = event.total;
      onProgress?.({ loaded: Math.min(event.loaded, total), total });
    };
    // The body is fully sent (engines differ in whether a last progress event says so).
    xhr.upload.onload = () => onProgress?.({ loaded: total, total });
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(new UploadError(errorMessage(body, xhr.status), "http", xhr.status, errorCode(body)));
    };
    xhr.onerror = () => reject(new UploadError("The upload failed: the network connection was lost.", "network"));
    xhr.onabort = () => reject(new UploadError("The upload was cancelled.", "aborted"));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
