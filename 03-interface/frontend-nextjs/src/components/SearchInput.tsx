/**
 * The shape of the dashboard's search fields: a `type="search"` input (no spell-checking) with
 * a label that only screen readers see. Used by the header's search box (`SearchBox`) and the
 * meeting page's find box (`TranscriptFind`); `QUERY_INPUT` is the query field of the search
 * forms (`SearchBox`, the search page's `SearchForm`), which submit it as `q` to `/search`.
 *
 * No hooks but `useId` and no handlers of its own: it renders on the server as well.
 */
import { type ComponentProps, useId } from "react";
import { MAX_QUERY_CHARS } from "@/lib/search";

/** Attributes of a search form's query field (`GET /search?q=…`). */
export const QUERY_INPUT = {
  type: "search",
  name: "q",
  maxLength: MAX_QUERY_CHARS,
  required: true,
  enterKeyHint: "search",
  spellCheck: false,
} as const satisfies ComponentProps<"input">;

export interface SearchInputProps extends Omit<ComponentProps<"input">, "id" | "type"> {
  /** The field's accessible name (a visually hidden `<label>`). */
  label: string;
}

export function SearchInput({ label, ...input }: SearchInputProps) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input spellCheck={false} {...input} id={id} type="search" />
    </>
  );
}
