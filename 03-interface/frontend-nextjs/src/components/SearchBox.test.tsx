import { fireEvent, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithIntl } from "@/test/intl";
import { SearchBox } from "./SearchBox";

const navigation = vi.hoisted(() => ({ pathname: "/meetings" }));
vi.mock("next/navigation", () => ({ usePathname: () => navigation.pathname }));

beforeEach(() => {
  navigation.pathname = "/meetings";
});

describe("SearchBox", () => {
  it("is a labelled search form to /search?q=…, limited to 200 characters", () => {
    renderWithIntl(<SearchBox />);
    const form = screen.getByRole("search", { name: "Search your meetings" });
    expect(form.getAttribute("action")).toMatch(/\/search$/);
    expect(form.getAttribute("method") ?? "get").toMatch(/^get$/i);
    const input = screen.getByRole("searchbox", { name: "Search your meetings" });
    expect(input).toHaveAttribute("name", "q");
    expect(input).toHaveAttribute("maxlength", "200");
    expect(input).toHaveAttribute("placeholder", "Search…");
    expect(input).toBeRequired();
    expect(input).toHaveAttribute("aria-keyshortcuts", "/");
    expect(screen.getByRole("button", { name: "Search" })).toHaveAttribute("type", "submit");
  });

  it("speaks French", () => {
    renderWithIntl(<SearchBox />, { locale: "fr" });
    expect(screen.getByRole("searchbox", { name: "Rechercher dans vos réunions" })).toHaveAttribute("placeholder", "Rechercher…");
    expect(screen.getByRole("button", { name: "Rechercher" })).toBeInTheDocument();
  });

  it("takes the focus on /, but not while the user types elsewhere", async () => {
    const user = userEvent.setup();
    renderWithIntl(
      <>
        <input aria-label="Other field" />
        <SearchBox />
      </>,
    );
    const box = screen.getByRole("searchbox");
    const other = screen.getByRole("textbox", { name: "Other field" });
    await user.click(other);
    await user.keyboard("a/b");
    expect(other).toHaveValue("a/b");
    expect(box).not.toHaveFocus();

    other.blur();
    await user.keyboard("/");
    expect(box).toHaveFocus();
    expect(box).toHaveValue(""); // the slash is not typed into the box
    await user.keyboard("chicago");
    expect(box).toHaveValue("chicago");
  });

  it("is keyboard reachable: Tab to the field, then to its button", async () => {
    const user = userEvent.setup();
    renderWithIntl(<SearchBox />);
    await user.tab();
    expect(screen.getByRole("searchbox")).toHaveFocus();
    await user.tab();
    expect(screen.getByRole("button", { name: "Search" })).toHaveFocus();
  });

  it("leaves / to the find box of a meeting page", async () => {
    navigation.pathname = "/meetings/0b7e2c1a-1111-4222-8333-444455556666";
    const user = userEvent.setup();
    renderWithIntl(<SearchBox />);
    expect(screen.getByRole("searchbox")).not.toHaveAttribute("aria-keyshortcuts");
    await user.keyboard("/");
    expect(screen.getByRole("searchbox")).not.toHaveFocus();
    await user.click(screen.getByRole("searchbox")); // still there to click or Tab to
    expect(screen.getByRole("searchbox")).toHaveFocus();
  });

  it("is left out on the search page, whose own form takes the query", () => {
    navigation.pathname = "/search";
    renderWithIntl(<SearchBox />);
    expect(screen.queryByRole("search")).not.toBeInTheDocument();
    fireEvent.keyDown(document.body, { key: "/" });
    expect(document.activeElement).toBe(document.body);
  });
});
