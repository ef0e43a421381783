/**
 * Speaker statistics of a meeting as the gateway reports them in `GET /api/v1/meetings/{id}`
 * (`speakers[].talk_time_seconds`, `turns`, `words`, `words_per_minute`, `talk_share`;
 * computed by `scribe_core.documents.speaker_statistics` from the transcript's paragraphs),
 * read defensively: the generated client may predate these fields, and they are `null` before
 * a meeting is COMPLETED or when its result cannot be read.
 */
import { z } from "zod";
import { msg } from "@/i18n/message";
import type { MessageText } from "@/i18n/text";
import { formatDuration, formatPercent } from "./format";

/** One speaker's figures (seconds, counts, words per minute, share in [0, 1]). */
export interface SpeakerStatistics {
  talkTime: number;
  turns: number;
  words: number;
  /** `null` when the speaker said nothing. */
  wordsPerMinute: number | null;
  share: number;
}

const speakerWithStatsSchema = z.object({
  label: z.string(),
  talk_time_seconds: z.number().nonnegative(),
  turns: z.number().int().nonnegative(),
  words: z.number().int().nonnegative(),
  words_per_minute: z.number().nonnegative().nullish(),
  talk_share: z.number().min(0).max(1).nullish(),
});

/**
 * The statistics of every speaker of a meeting detail that has them.
 *
 * @param meeting The parsed body of `GET /api/v1/meetings/{id}` (any shape).
 * @returns Speaker label → statistics; speakers without (valid) figures are left out, so an
 *   older gateway or a meeting still processing gives an empty map.
 */
export function speakerStatistics(meeting: unknown): Map<string, SpeakerStatistics> {
  const out = new Map<string, SpeakerStatistics>();
  const speakers = (meeting as { speakers?: unknown } | null | undefined)?.speakers;
  if (!Array.isArray(speakers)) return out;
  for (const raw of speakers) {
    const parsed = speakerWithStatsSchema.safeParse(raw);
    if (!parsed.success) continue;
    const s = parsed.data;
    out.set(s.label, {
      talkTime: s.talk_time_seconds,
      turns: s.turns,
      words: s.words,
      wordsPerMinute: s.words_per_minute ?? null,
      share: s.talk_share ?? 0,
    });
  }
  return out;
}

/**
 * The figures as one short line for the speaker list.
 *
 * @param stats One speaker's figures.
 * @param text Renders messages in the user's language (`useMessageText()`).
 * @param locale `en` or `fr`, for the duration and the percentage.
 * @returns e.g. `1 min 05 s · 42 % · 3 turns · 150 wpm` (`1 turn`; no words per minute when
 *   the speaker said nothing).
 */
export function formatSpeakerStatistics(stats: SpeakerStatistics, text: MessageText, locale = "en"): string {
  const parts = [
    formatDuration(stats.talkTime, locale),
    formatPercent(stats.share, locale),
    text(msg("speakers.turns", { count: stats.turns })),
  ];
  if (stats.wordsPerMinute != null) parts.push(text(msg("speakers.wordsPerMinute", { count: Math.round(stats.wordsPerMinute) })));
  return parts.join(" · ");
}
