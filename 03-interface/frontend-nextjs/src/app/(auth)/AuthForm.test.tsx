import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { msg } from "@/i18n/message";
import { renderWithIntl } from "@/test/intl";
import type { AuthFormState } from "./actions";
import { AuthForm } from "./AuthForm";

describe("AuthForm", () => {
  it("sends the typed credentials and the return path, then shows the form error", async () => {
    const action = vi.fn(async (_prev: AuthFormState, data: FormData): Promise<AuthFormState> => ({
      error: msg("auth.errors.wrongCredentials"),
      email: String(data.get("email")),
    }));
    renderWithIntl(<AuthForm mode="sign-in" action={action} next="/meetings/42" notice="Your session has expired. Please sign in again." />);
    expect(screen.getByText(/session has expired/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("E-mail"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong-password");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Wrong e-mail or password.")).toBeInTheDocument();
    const data = action.mock.calls[0]![1];
    expect(Object.fromEntries(data.entries())).toEqual({ next: "/meetings/42", email: "ada@example.com", password: "wrong-password" });
    expect(screen.getByLabelText("E-mail")).toHaveValue("ada@example.com");
    // The way to sign up keeps the page to come back to.
    expect(screen.getByRole("link", { name: "Create an account" })).toHaveAttribute("href", "/sign-up?next=%2Fmeetings%2F42");
  });

  it("shows each field's message next to it on sign-up", async () => {
    const action = vi.fn(async (): Promise<AuthFormState> => ({
      fieldErrors: { password: msg("auth.errors.passwordTooShort", { min: 8 }), confirm: msg("auth.errors.passwordsDiffer") },
      email: "ada@example.com",
    }));
    renderWithIntl(<AuthForm mode="sign-up" action={action} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("Use at least 8 characters.")).toBeInTheDocument();
    expect(screen.getByLabelText(/^Password/)).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Repeat the password")).toHaveAccessibleDescription("The passwords do not match.");
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/sign-in");
  });

  it("speaks French", async () => {
    const action = vi.fn(async (): Promise<AuthFormState> => ({ error: msg("errors.too_many_requests") }));
    renderWithIntl(<AuthForm mode="sign-in" action={action} next="/speakers" />, { locale: "fr" });
    expect(screen.getByRole("heading", { name: "Connexion" })).toBeInTheDocument();
    expect(screen.getByLabelText("Adresse e-mail")).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("button", { name: "Se connecter" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Trop de tentatives en peu de temps");
  });
});
