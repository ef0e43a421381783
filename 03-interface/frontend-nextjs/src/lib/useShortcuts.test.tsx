import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { isTypingTarget, type ShortcutMap, useShortcuts } from "./useShortcuts";

function Page({ shortcuts, enabled = true }: { shortcuts: ShortcutMap; enabled?: boolean }) {
  useShortcuts(shortcuts, enabled);
  return (
    <div>
      <label>
        Name <input type="text" />
      </label>
      <textarea aria-label="Notes" />
      <select aria-label="Language">
        <option>en</option>
      </select>
      <div contentEditable suppressContentEditableWarning data-testid="editable">
        <span data-testid="inside-editable">text</span>
      </div>
      <button type="button">Play from 0:12</button>
      <p data-testid="text">Plain text</p>
    </div>
  );
}

describe("useShortcuts", () => {
  it("runs the shortcut of the key pressed on the page, and prevents its default action", async () => {
    const toggle = vi.fn();
    const back = vi.fn();
    const help = vi.fn();
    render(<Page shortcuts={{ " ": toggle, k: toggle, ArrowLeft: back, "?": help }} />);
    const user = userEvent.setup();
    await user.keyboard("k");
    await user.keyboard(" ");
    await user.keyboard("{ArrowLeft}");
    await user.keyboard("?");
    expect(toggle).toHaveBeenCalledTimes(2);
    expect(back).toHaveBeenCalledTimes(1);
    expect(help).toHaveBeenCalledTimes(1);
    const event = new KeyboardEvent("keydown", { key: " ", bubbles: true, cancelable: true });
    document.body.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    expect(toggle).toHaveBeenCalledTimes(3);
  });

  it("does not fire while typing in an input, a textarea, a select or a contenteditable element", async () => {
    const toggle = vi.fn();
    render(<Page shortcuts={{ k: toggle, " ": toggle, j: toggle }} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Name"), "jk k");
    expect(screen.getByLabelText("Name")).toHaveValue("jk k");
    await user.type(screen.getByLabelText("Notes"), "kj");
    fireEvent.keyDown(screen.getByLabelText("Language"), { key: "k" });
    fireEvent.keyDown(screen.getByTestId("inside-editable"), { key: "k" });
    expect(toggle).not.toHaveBeenCalled();
    fireEvent.keyDown(screen.getByTestId("text"), { key: "k" });
    expect(toggle).toHaveBeenCalledTimes(1);
  });

  it("does not fire with Ctrl, Meta or Alt held, and leaves Space to a focused button", () => {
    const toggle = vi.fn();
    render(<Page shortcuts={{ k: toggle, " ": toggle }} />);
    fireEvent.keyDown(document.body, { key: "k", ctrlKey: true });
    fireEvent.keyDown(document.body, { key: "k", metaKey: true });
    fireEvent.keyDown(document.body, { key: "k", altKey: true });
    fireEvent.keyDown(screen.getByRole("button"), { key: " " });
    expect(toggle).not.toHaveBeenCalled();
    fireEvent.keyDown(screen.getByRole("button"), { key: "k" }); // not an activation key
    expect(toggle).toHaveBeenCalledTimes(1);
  });

  it("listens only while enabled and mounted", () => {
    const toggle = vi.fn();
    const { rerender, unmount } = render(<Page shortcuts={{ k: toggle }} enabled={false} />);
    fireEvent.keyDown(document.body, { key: "k" });
    expect(toggle).not.toHaveBeenCalled();
    rerender(<Page shortcuts={{ k: toggle }} />);
    fireEvent.keyDown(document.body, { key: "k" });
    expect(toggle).toHaveBeenCalledTimes(1);
    unmount();
    fireEvent.keyDown(document.body, { key: "k" });
    expect(toggle).toHaveBeenCalledTimes(1);
  });

  it("knows typing targets", () => {
    const input = document.createElement("input");
    const dialog = document.createElement("dialog");
    dialog.setAttribute("open", "");
    const inDialog = document.createElement("button");
    dialog.append(inDialog);
    const off = document.createElement("div");
    off.setAttribute("contenteditable", "false");
    expect(isTypingTarget(input)).toBe(true);
    expect(isTypingTarget(inDialog)).toBe(true);
    expect(isTypingTarget(off)).toBe(false);
    expect(isTypingTarget(document.body)).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});
