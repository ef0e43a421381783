"use client";
/**
 * The sign-in and sign-up form (one component, two modes), driven by a Server Action through
 * `useActionState`; errors are announced to screen readers.
 */
import Link from "next/link";
import { useActionState } from "react";
import type { AuthFormState } from "./actions";

export interface AuthFormProps {
  mode: "sign-in" | "sign-up";
  action: (prev: AuthFormState, formData: FormData) => Promise<AuthFormState>;
  /** Page to return to after signing in. */
  next?: string | undefined;
  /** A notice above the form (e.g. "Your session expired"). */
  notice?: string | undefined;
}

export function AuthForm({ mode, action, next, notice }: AuthFormProps) {
  const [state, formAction, pending] = useActionState(action, {} as AuthFormState);
  const signUp = mode === "sign-up";
  const fe = state.fieldErrors ?? {};
  return (
    <section className="card auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{signUp ? "Create your account" : "Sign in"}</h1>
      {notice ? <p className="alert info">{notice}</p> : null}
      <form action={formAction} noValidate>
        {next ? <input type="hidden" name="next" value={next} /> : null}
        <div className="field">
          <label htmlFor="email">E-mail</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete={signUp ? "email" : "username"}
            required
            defaultValue={state.email}
            aria-invalid={fe.email ? true : undefined}
            aria-describedby={fe.email ? "email-error" : undefined}
          />
          {fe.email ? (
            <span id="email-error" className="field-hint" style={{ color: "var(--danger)" }}>
              {fe.email}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="password">
            Password {signUp ? <span className="field-hint">(at least 8 characters)</span> : null}
          </label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete={signUp ? "new-password" : "current-password"}
            required
            minLength={signUp ? 8 : undefined}
            aria-invalid={fe.password ? true : undefined}
            aria-describedby={fe.password ? "password-error" : undefined}
          />
          {fe.password ? (
            <span id="password-error" className="field-hint" style={{ color: "var(--danger)" }}>
              {fe.password}
            </span>
          ) : null}
        </div>
        {signUp ? (
          <div className="field">
            <label htmlFor="confirm">Repeat the password</label>
            <input
              id="confirm"
              name="confirm"
              type="password"
              autoComplete="new-password"
              required
              aria-invalid={fe.confirm ? true : undefined}
              aria-describedby={fe.confirm ? "confirm-error" : undefined}
            />
            {fe.confirm ? (
              <span id="confirm-error" className="field-hint" style={{ color: "var(--danger)" }}>
                {fe.confirm}
              </span>
            ) : null}
          </div>
        ) : null}
        <div role="alert" aria-live="assertive">
          {state.error ? <p className="alert error">{state.error}</p> : null}
        </div>
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? "Please wait…" : signUp ? "Create account" : "Sign in"}
          </button>
          {signUp ? (
            <span className="muted">
              Already registered? <Link href="/sign-in">Sign in</Link>
            </span>
          ) : (
            <span className="muted">
              New here? <Link href="/sign-up">Create an account</Link>
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
