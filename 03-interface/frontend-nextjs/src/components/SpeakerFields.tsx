"use client";
/**
 * The recognition options of a recording, as form fields: its language and the number of
 * speakers (detected, exact, or a range). Shared by the upload form (`Uploader`) and the
 * re-process dialog (`ReprocessDialog`); `speakerOptions` turns the fields into request
 * options, or the message that says why they are inconsistent.
 */
import { useTranslations } from "next-intl";
import { useId } from "react";
import { type Message, msg } from "@/i18n/message";
import type { UploadOptions } from "@/lib/upload";

/**
 * Languages offered in the forms (ISO-639-1; named by `languages.<code>` in the messages);
 * `auto` lets the recogniser detect it.
 */
export const LANGUAGES = ["auto", "en", "fr", "de", "es", "it", "nl", "pt", "pl", "ru", "uk", "ar", "zh", "ja"] as const;

/** How the number of speakers is given: detected, exactly `exact`, or between `min` and `max`. */
export type SpeakerMode = "auto" | "exact" | "range";

/** The fields' values, as typed (numbers are checked by `speakerOptions`). */
export interface SpeakerFieldValues {
  language: string;
  mode: SpeakerMode;
  exact: string;
  min: string;
  max: string;
}

/** Fewest and most speakers a form accepts. */
const FEWEST = 1;
const MOST = 64;

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
  const valid = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= FEWEST && n <= MOST);
  if (mode === "exact") {
    const n = parse(exact);
    if (n === undefined || !valid(n)) return [null, msg("uploader.errors.exactRange", { min: FEWEST, max: MOST })];
    return [{ num_speakers: n }, null];
  }
  if (mode === "range") {
    const lo = parse(min);
    const hi = parse(max);
    if (lo === undefined && hi === undefined) return [null, msg("uploader.errors.rangeEmpty")];
    if (!valid(lo) || !valid(hi)) return [null, msg("uploader.errors.rangeWhole", { min: FEWEST, max: MOST })];
    if (lo !== undefined && hi !== undefined && lo > hi) return [null, msg("uploader.errors.rangeOrder")];
    return [{ min_speakers: lo, max_speakers: hi }, null];
  }
  return [{}, null];
}

export interface SpeakerFieldsProps {
  values: SpeakerFieldValues;
  /** Called with the fields that changed. */
  onChange: (change: Partial<SpeakerFieldValues>) => void;
  disabled?: boolean;
}

/**
 * The language select, the speaker-mode select, then the exact count or the range's two
 * bounds; `.field` blocks without a wrapper (the caller lays them out, e.g. in `.grid-fields`).
 */
export function SpeakerFields({ values, onChange, disabled = false }: SpeakerFieldsProps) {
  const t = useTranslations("uploader");
  const tl = useTranslations("languages");
  const ids = { lang: useId(), mode: useId(), exact: useId(), min: useId(), max: useId() };
  const count = (id: string, label: string, key: "exact" | "min" | "max") => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" min={FEWEST} max={MOST} value={values[key]} disabled={disabled} onChange={(e) => onChange({ [key]: e.target.value })} />
    </div>
  );
  return (
    <>
      <div className="field">
        <label htmlFor={ids.lang}>{t("language")}</label>
        <select id={ids.lang} value={values.language} disabled={disabled} onChange={(e) => onChange({ language: e.target.value })}>
          {LANGUAGES.map((code) => (
            <option key={code} value={code}>
              {tl(code)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.mode}>{t("speakers")}</label>
        <select id={ids.mode} value={values.mode} disabled={disabled} onChange={(e) => onChange({ mode: e.target.value as SpeakerMode })}>
          <option value="auto">{t("speakersAuto")}</option>
          <option value="exact">{t("speakersExact")}</option>
          <option value="range">{t("speakersRange")}</option>
        </select>
      </div>
      {values.mode === "exact" ? count(ids.exact, t("speakerCount"), "exact") : null}
      {values.mode === "range" ? (
        <>
          {count(ids.min, t("atLeast"), "min")}
          {count(ids.max, t("atMost"), "max")}
        </>
      ) : null}
    </>
  );
}
