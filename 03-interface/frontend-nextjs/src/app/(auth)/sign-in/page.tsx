import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getToken } from "@/lib/session";
import { safeNext } from "@/lib/session-utils";
import { signIn } from "../actions";
import { AuthForm } from "../AuthForm";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = safeNext(params.next);
  if (await getToken()) redirect(next);
  const notice = params.expired
    ? "Your session has expired. Please sign in again."
    : params.signed_out
      ? "You are signed out."
      : undefined;
  return <AuthForm mode="sign-in" action={signIn} next={next} notice={notice} />;
}
