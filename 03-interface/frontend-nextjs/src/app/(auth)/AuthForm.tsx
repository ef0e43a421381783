"use client";
/**
 * The sign-in and sign-up form (one component, two modes), driven by a Server Action through
 * `useActionState`; errors are announced to screen readers, in the user's language. The page
 * to return to (`next`) travels with the form and with the link to the other mode.
 */
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useActionState } from "react";
import { useMessageText } from "@/i18n/text";
import type { AuthFormState } from "./actions";

export interface AuthFormProps {
  mode: "sign-in" | "sign-up";
  action: (prev: AuthFormState, formData: FormData) => Promise<AuthFormState>;
  /** Page to return to after signing in or up (already checked with `safeNext`). */
  next?: string | undefined;
  /** A notice above the form (e.g. "Your session expired"), translated. */
  notice?: string | undefined;
}

/** `path` with `?next=…` unless `next` is the default page. */
function withNext(path: string, next: string | undefined): string {
  return next && next !== "/meetings" ? `${path}?next=${encodeURIComponent(next)}` : path;
}

export function AuthForm({ mode, action, next, notice }: AuthFormProps) {
  const t = useTranslations("auth");
  const text = useMessageText();
  const [state, formAction, pending] = useActionState(action, {} as AuthFormState);
  const signUp = mode === "sign-up";
  const fe = state.fieldErrors ?? {};
  return (
    <section className="card auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{signUp ? t("signUpTitle") : t("signInTitle")}</h1>
      {notice ? <p className="alert info">{notice}</p> : null}
      <form action={formAction} noValidate>
        {next ? <input type="hidden" name="next" value={next} /> : null}
        <div className="field">
          <label htmlFor="email">{t("email")}</label>
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
            <span id="email-error" className="field-hint field-error">
              {text(fe.email)}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="password">
            {t("password")} {signUp ? <span className="field-hint">{t("passwordHint", { min: 8 })}</span> : null}
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
            <span id="password-error" className="field-hint field-error">
              {text(fe.password)}
            </span>
          ) : null}
        </div>
        {signUp ? (
          <div className="field">
            <label htmlFor="confirm">{t("confirm")}</label>
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
              <span id="confirm-error" className="field-hint field-error">
                {text(fe.confirm)}
              </span>
            ) : null}
          </div>
        ) : null}
        <div role="alert" aria-live="assertive">
          {state.error ? <p className="alert error">{text(state.error)}</p> : null}
        </div>
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? t("pending") : signUp ? t("signUpSubmit") : t("signInSubmit")}
          </button>
          {signUp ? (
            <span className="muted">
              {t("haveAccount")} <Link href={withNext("/sign-in", next)}>{t("signInLink")}</Link>
            </span>
          ) : (
            <span className="muted">
              {t("newHere")} <Link href={withNext("/sign-up", next)}>{t("signUpLink")}</Link>
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
