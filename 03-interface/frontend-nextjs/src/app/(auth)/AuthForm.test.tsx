import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AuthFormState } from "./actions";
import { AuthForm } from "./AuthForm";

describe("AuthForm", () => {
  it("sends the typed credentials and the return path, then shows the form error", async () => {
    const action = vi.fn(async (_prev: AuthFormState, data: FormData): Promise<AuthFormState> => ({
      error: "Wrong e-mail or password.",
      email: String(data.get("email")),
    }));
    render(<AuthForm mode="sign-in" action={action} next="/meetings/42" notice="Your session has expired. Please sign in again." />);
    expect(screen.getByText(/session has expired/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("E-mail"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong-password");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Wrong e-mail or password.")).toBeInTheDocument();
    const data = action.mock.calls[0]![1];
    expect(Object.fromEntries(data.entries())).toEqual({ next: "/meetings/42", email: "ada@example.com", password: "wrong-password" });
    expect(screen.getByLabelText("E-mail")).toHaveValue("ada@example.com");
  });

  it("shows each field's message next to it on sign-up", async () => {
    const action = vi.fn(async (): Promise<AuthFormState> => ({
      fieldErrors: { password: "Use at least 8 characters.", confirm: "The passwords do not match." },
      email: "ada@example.com",
    }));
    render(<AuthForm mode="sign-up" action={action} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("Use at least 8 characters.")).toBeInTheDocument();
    expect(screen.getByLabelText(/^Password/)).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Repeat the password")).toHaveAccessibleDescription("The passwords do not match.");
  });
});
