"use client";
/**
 * Page-wide keyboard shortcuts (the meeting page's Space / k, j / l, ← / →, n / p, ?): one
 * `keydown` listener on the window that calls the handler of the key pressed, and stays out of
 * the way:
 *
 * - never while the focus is in a text field, a select, a contenteditable element, or inside
 *   an open dialog (typing a speaker's name must not play the audio);
 * - never with Ctrl, Meta (⌘) or Alt held (browser and system shortcuts), nor while an input
 *   method composes a character;
 * - Space and Enter keep their own meaning on a focused button, link or media player; the arrow
 *   keys theirs on a media player.
 *
 * A handled key's default action (page scroll for Space and the arrows) is prevented.
 */
import { type KeyboardEvent as ReactKeyboardEvent, useEffect, useRef } from "react";

/** What a shortcut does; it receives the `keydown` event. */
export type ShortcutHandler = (event: KeyboardEvent) => void;

/** Handlers by `KeyboardEvent.key`: `" "` for Space, `"ArrowLeft"`, `"k"`, `"?"`… */
export type ShortcutMap = Readonly<Partial<Record<string, ShortcutHandler>>>;

/** Keys a focused button, link or media element handles itself. */
const ACTIVATION_KEYS = new Set([" ", "Enter"]);
const ARROWS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]);

/**
 * Whether the event's target is somewhere typing happens: an `<input>`, `<textarea>`,
 * `<select>` or an editable element (`contenteditable`), or anything inside an open dialog.
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== "function") return false;
  const element = target as HTMLElement;
  if (element.closest("input, textarea, select, dialog[open]")) return true;
  if (element.isContentEditable) return true;
  const editable = element.closest("[contenteditable]");
  return editable !== null && editable.getAttribute("contenteditable") !== "false";
}

/**
 * The handler a `keydown` should run, or undefined when the key is not a shortcut here.
 *
 * @param event The keyboard event (its key, modifiers and target).
 * @param shortcuts Handlers by key.
 */
export function shortcutFor(event: KeyboardEvent, shortcuts: ShortcutMap): ShortcutHandler | undefined {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return undefined;
  const handler = shortcuts[event.key];
  if (!handler) return undefined;
  if (isTypingTarget(event.target)) return undefined;
  const target = event.target as HTMLElement | null;
  if (target && typeof target.closest === "function") {
    if (ACTIVATION_KEYS.has(event.key) && target.closest("button, a[href], summary, [role='button'], audio, video")) return undefined;
    if (ARROWS.has(event.key) && target.closest("audio, video")) return undefined;
  }
  return handler;
}

/**
 * Run `shortcuts` on key presses anywhere in the page while mounted (and `enabled`).
 *
 * @param shortcuts Handlers by key; may be a new object on every render (the latest is used).
 * @param enabled Listen only while true.
 */
export function useShortcuts(shortcuts: ShortcutMap, enabled = true): void {
  const latest = useRef(shortcuts);
  useEffect(() => {
    latest.current = shortcuts;
  });
  useEffect(() => {
    if (!enabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const handler = shortcutFor(event, latest.current);
      if (!handler) return;
      event.preventDefault();
      handler(event);
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [enabled]);
}

/**
 * A `keydown` handler for an inline form's field: Escape cancels the form (and goes no
 * further); other keys keep their meaning.
 *
 * @param cancel Close the form without saving.
 */
export function cancelOnEscape(cancel: () => void): (event: ReactKeyboardEvent) => void {
  return (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  };
}
