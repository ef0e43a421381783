"use client";
/**
 * The meeting page's find box: what to look for in the transcript, the number of matches
 * ("5 matches", then "2 of 5" once the user went to one), and
 * buttons (and Enter / Shift+Enter) to go to the next or previous one; Escape empties it. The
 * page highlights the matches and, on each jump, scrolls to the utterance and plays from it.
 * `/` anywhere on the page focuses the box (the page's shortcut).
 */
import { useTranslations } from "next-intl";
import { type Ref, useId } from "react";
import { SearchInput } from "./SearchInput";

export interface TranscriptFindProps {
  query: string;
  onQueryChange: (query: string) => void;
  /** Number of matches, and the index of the current one (-1 before the first jump). */
  total: number;
  current: number;
  /** Go to the next (+1) or previous (-1) match, wrapping around. */
  onJump: (step: 1 | -1) => void;
  inputRef?: Ref<HTMLInputElement> | undefined;
}

export function TranscriptFind({ query, onQueryChange, total, current, onJump, inputRef }: TranscriptFindProps) {
  const t = useTranslations("find");
  const statusId = useId();
  const searching = query.trim() !== "";
  return (
    <div className="find-box" role="search" aria-label={t("label")}>
      <SearchInput
        ref={inputRef}
        label={t("label")}
        value={query}
        placeholder={t("placeholder")}
        aria-describedby={statusId}
        aria-keyshortcuts="/"
        autoComplete="off"
        onChange={(e) => onQueryChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.nativeEvent.isComposing) return;
          if (e.key === "Enter") {
            e.preventDefault();
            if (total > 0) onJump(e.shiftKey ? -1 : 1);
          } else if (e.key === "Escape") {
            e.preventDefault();
            onQueryChange("");
          }
        }}
      />
      <span id={statusId} className="find-count" aria-live="polite" data-testid="find-count">
        {searching ? (total === 0 ? t("none") : current < 0 ? t("total", { total }) : t("count", { current: current + 1, total })) : ""}
      </span>
      <button type="button" className="secondary find-step" aria-label={t("previous")} title={t("previous")} disabled={total === 0} onClick={() => onJump(-1)}>
        ↑
      </button>
      <button type="button" className="secondary find-step" aria-label={t("next")} title={t("next")} disabled={total === 0} onClick={() => onJump(1)}>
        ↓
      </button>
    </div>
  );
}
