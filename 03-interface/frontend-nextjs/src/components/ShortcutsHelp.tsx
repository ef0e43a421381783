"use client";
/**
 * The meeting page's keyboard shortcuts, listed in a small non-modal dialog (opened with `?`
 * or its button, closed with Escape, `?` or its Close button).
 */
import { useTranslations } from "next-intl";
import { useEffect, useId, useRef } from "react";

/** The shortcuts shown, as key caps and the message key of what they do. */
export const SHORTCUTS = [
  { keys: ["Space", "k"], action: "playPause" },
  { keys: ["j", "←"], action: "back" },
  { keys: ["l", "→"], action: "forward" },
  { keys: ["n"], action: "next" },
  { keys: ["p"], action: "previous" },
  { keys: ["/"], action: "find" },
  { keys: ["?"], action: "help" },
] as const;

export interface ShortcutsHelpProps {
  /** Close the dialog (focus goes back to where it was). */
  onClose: () => void;
}

export function ShortcutsHelp({ onClose }: ShortcutsHelpProps) {
  const t = useTranslations("shortcuts");
  const titleId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => previous?.focus?.();
  }, []);

  return (
    <dialog
      open
      className="shortcuts-help"
      aria-labelledby={titleId}
      onKeyDown={(e) => {
        if (e.key === "Escape" || e.key === "?") {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <h2 id={titleId}>{t("title")}</h2>
      <dl>
        {SHORTCUTS.map(({ keys, action }) => (
          <div key={action} className="shortcut">
            <dt>
              {keys.map((key, i) => (
                <span key={key}>
                  {i > 0 ? ` ${t("or")} ` : null}
                  <kbd>{key === "Space" ? t("space") : key}</kbd>
                </span>
              ))}
            </dt>
            <dd>{t(`actions.${action}`)}</dd>
          </div>
        ))}
      </dl>
      <p className="muted">{t("note")}</p>
      <button type="button" className="secondary" ref={closeRef} onClick={onClose}>
        {t("close")}
      </button>
    </dialog>
  );
}
