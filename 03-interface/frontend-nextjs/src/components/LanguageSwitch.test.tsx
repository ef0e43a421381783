import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AppLocale } from "@/i18n/config";
import { renderWithIntl } from "@/test/intl";
import { LanguageSwitch } from "./LanguageSwitch";

const refresh = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh, push: vi.fn(), replace: vi.fn() }) }));

beforeEach(() => refresh.mockReset());

describe("LanguageSwitch", () => {
  it("shows the current language pressed, stores the other one and refreshes the page", async () => {
    const action = vi.fn(async (_locale: AppLocale) => true);
    renderWithIntl(<LanguageSwitch action={action} />);
    const english = screen.getByRole("button", { name: "English" });
    const french = screen.getByRole("button", { name: "Français" });
    expect(english).toHaveAttribute("aria-pressed", "true");
    expect(english).toHaveTextContent("EN");
    expect(french).toHaveAttribute("aria-pressed", "false");
    expect(french).toHaveAttribute("lang", "fr");
    expect(french).toHaveAttribute("title", "Show the dashboard in French");
    // The recording's language field of the upload form stays the only thing labelled "Language".
    expect(screen.queryByLabelText(/language/i)).toBeNull();
    const user = userEvent.setup();
    await user.click(english); // already English: nothing to do
    expect(action).not.toHaveBeenCalled();
    await user.click(french);
    expect(action).toHaveBeenCalledWith("fr");
    await waitFor(() => expect(refresh).toHaveBeenCalledTimes(1));
  });

  it("is labelled in French on a French page, and does not refresh when the action refuses", async () => {
    const action = vi.fn(async (_locale: AppLocale) => false);
    renderWithIntl(<LanguageSwitch action={action} />, { locale: "fr" });
    expect(screen.getByRole("button", { name: "Français" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("button", { name: "English" })).toHaveAttribute("title", "Afficher le tableau de bord en anglais");
    await userEvent.setup().click(screen.getByRole("button", { name: "English" }));
    expect(action).toHaveBeenCalledWith("en");
    await waitFor(() => expect(screen.getByRole("button", { name: "English" })).toBeEnabled());
    expect(refresh).not.toHaveBeenCalled();
  });
});
