"use client";
/**
 * The header's search box: a GET form to `/search?q=…` (it works without JavaScript; with it,
 * `next/form` navigates without a full reload). `/` focuses it (`useShortcuts`: not while
 * typing in a field or inside a dialog), except on a meeting page, where `/` belongs to the
 * page's own find box. Hidden on the search page itself, whose own form takes the query.
 */
import Form from "next/form";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import { useRef } from "react";
import { useShortcuts } from "@/lib/useShortcuts";
import { QUERY_INPUT, SearchInput } from "./SearchInput";
import "./Search.css";

/** Pages whose own find box answers `/` (a meeting page: `/meetings/{id}`). */
const OWN_FIND_BOX = /^\/meetings\/[^/]+/;

export function SearchBox() {
  const t = useTranslations("search");
  const nav = useTranslations("nav");
  const pathname = usePathname();
  const input = useRef<HTMLInputElement>(null);
  const hidden = pathname === "/search";
  const slash = !hidden && !OWN_FIND_BOX.test(pathname);
  useShortcuts(
    {
      "/": () => {
        input.current?.focus();
        input.current?.select();
      },
    },
    slash,
  );
  if (hidden) return null;
  return (
    <Form action="/search" role="search" aria-label={t("boxLabel")} className="search-box">
      <SearchInput
        ref={input}
        label={t("boxLabel")}
        {...QUERY_INPUT}
        placeholder={t("boxPlaceholder")}
        aria-keyshortcuts={slash ? "/" : undefined}
      />
      <button type="submit" className="secondary" title={nav("search")}>
        <svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round">
          <circle cx="10.5" cy="10.5" r="6.5" />
          <path d="m15.5 15.5 5 5" />
        </svg>
        <span className="visually-hidden">{nav("search")}</span>
      </button>
    </Form>
  );
}
