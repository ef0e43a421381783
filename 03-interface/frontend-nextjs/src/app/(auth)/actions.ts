"use server";
/**
 * Server Actions of the sign-up / sign-in / sign-out forms. Inputs are validated with zod; the
 * gateway's token is stored in the httpOnly session cookie and never reaches browser scripts.
 * Failures come back as {@link Message}s, which the form shows in the user's language.
 */
import { redirect } from "next/navigation";
import { z } from "zod";
import { type Message, type MessageKey, msg } from "@/i18n/message";
import { errorCode, errorText, gatewayUnreachable } from "@/lib/api/errors";
import { serverGateway } from "@/lib/api/server";
import { clearToken, setToken } from "@/lib/session";
import { safeNext } from "@/lib/session-utils";

/** What a form shows after a failed attempt. */
export interface AuthFormState {
  /** A message for the whole form. */
  error?: Message;
  /** Messages per field (`email`, `password`, `confirm`). */
  fieldErrors?: Partial<Record<"email" | "password" | "confirm", Message>>;
  /** The e-mail typed, to refill the field. */
  email?: string;
}

/** Password length bounds of the gateway's registration. */
const PASSWORD = { min: 8, max: 128 } as const;

const key = (k: MessageKey) => k;

const credentials = z.object({
  email: z.string().trim().email(key("auth.errors.emailInvalid")),
  password: z.string().min(1, key("auth.errors.passwordMissing")),
});

const registration = z
  .object({
    email: z.string().trim().email(key("auth.errors.emailInvalid")),
    password: z.string().min(PASSWORD.min, key("auth.errors.passwordTooShort")).max(PASSWORD.max, key("auth.errors.passwordTooLong")),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { message: key("auth.errors.passwordsDiffer"), path: ["confirm"] });

/** Each field's first problem, as a message (the zod message is the key). */
function fieldErrors(error: z.ZodError): AuthFormState["fieldErrors"] {
  const out: AuthFormState["fieldErrors"] = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if ((field === "email" || field === "password" || field === "confirm") && !out[field]) {
      out[field] = msg(issue.message as MessageKey, { min: PASSWORD.min, max: PASSWORD.max });
    }
  }
  return out;
}

const unreachable = (err: unknown): AuthFormState => {
  gatewayUnreachable(err, "sign-in");
  return { error: msg("errors.service_unreachable") };
};

/**
 * Exchange e-mail and password for a token (`POST /api/v1/auth/token`, OAuth2 password form).
 *
 * @returns The access token, or a form state describing the failure.
 */
async function requestToken(email: string, password: string): Promise<string | AuthFormState> {
  try {
    const gw = await serverGateway(null);
    const { data, error, response } = await gw.POST("/api/v1/auth/token", {
      body: { grant_type: "password", username: email, password, scope: "" },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    if (response.status === 401) return { error: msg("auth.errors.wrongCredentials"), email };
    if (!data) return { error: errorText(errorCode(error), response.status), email };
    return data.access_token;
  } catch (err) {
    return { ...unreachable(err), email };
  }
}

/** Sign in; on success set the session cookie and go to `next` (default `/meetings`). */
export async function signIn(_prev: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const parsed = credentials.safeParse({ email: formData.get("email"), password: formData.get("password") });
  if (!parsed.success) return { fieldErrors: fieldErrors(parsed.error), email: String(formData.get("email") ?? "") };
  const token = await requestToken(parsed.data.email, parsed.data.password);
  if (typeof token !== "string") return token;
  await setToken(token);
  redirect(safeNext(formData.get("next")));
}

/**
 * Create an account (`POST /api/v1/auth/register`), then sign in with it and go to `next`
 * (default `/meetings`).
 */
export async function signUp(_prev: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const parsed = registration.safeParse({
    email: formData.get("email"),
    password: formData.get("password"),
    confirm: formData.get("confirm"),
  });
  const email = String(formData.get("email") ?? "");
  if (!parsed.success) return { fieldErrors: fieldErrors(parsed.error), email };
  try {
    const gw = await serverGateway(null);
    const { error, response } = await gw.POST("/api/v1/auth/register", {
      body: { email: parsed.data.email, password: parsed.data.password },
    });
    if (response.status === 409) {
      return { fieldErrors: { email: msg("auth.errors.emailTaken") }, email };
    }
    if (!response.ok) return { error: errorText(errorCode(error), response.status), email };
  } catch (err) {
    return { ...unreachable(err), email };
  }
  const token = await requestToken(parsed.data.email, parsed.data.password);
  if (typeof token !== "string") return token;
  await setToken(token);
  redirect(safeNext(formData.get("next")));
}

/** Sign out: forget the token and go to the sign-in page. */
export async function signOut(): Promise<void> {
  await clearToken();
  redirect("/sign-in?signed_out=1");
}
