import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { applyTheme, parseTheme, THEME_COOKIE, themeCookie } from "@/lib/theme";
import { renderWithIntl } from "@/test/intl";
import { ThemeSwitch } from "./ThemeSwitch";

afterEach(() => {
  document.cookie = `${THEME_COOKIE}=; Path=/; Max-Age=0`;
  delete document.documentElement.dataset.theme;
});

describe("ThemeSwitch", () => {
  it("offers system, light and dark, starting from the stored choice", async () => {
    const apply = vi.fn();
    renderWithIntl(<ThemeSwitch initial="dark" apply={apply} />);
    const select = screen.getByRole("combobox", { name: "Theme" });
    expect(select).toHaveValue("dark");
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["System theme", "Light theme", "Dark theme"]);
    await userEvent.setup().selectOptions(select, "light");
    expect(apply).toHaveBeenCalledWith("light");
    expect(select).toHaveValue("light");
  });

  it("applies the choice to the page at once and remembers it in a cookie", async () => {
    renderWithIntl(<ThemeSwitch initial="system" />, { locale: "fr" });
    const select = screen.getByRole("combobox", { name: "Thème" });
    const user = userEvent.setup();
    await user.selectOptions(select, "dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(document.cookie).toContain(`${THEME_COOKIE}=dark`);
    await user.selectOptions(select, "system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(document.cookie).toContain(`${THEME_COOKIE}=system`);
  });
});

describe("theme helpers", () => {
  it("reads only known preferences and writes a year-long, site-wide cookie", () => {
    expect(parseTheme("dark")).toBe("dark");
    expect(parseTheme("blue")).toBe("system");
    expect(parseTheme(undefined)).toBe("system");
    expect(themeCookie("light")).toBe(`${THEME_COOKIE}=light; Path=/; Max-Age=31536000; SameSite=Lax`);
    applyTheme("light");
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});
