import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { getToken } from "@/lib/session";
import { safeNext } from "@/lib/session-utils";
import { signUp } from "../actions";
import { AuthForm } from "../AuthForm";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("signUp") };
}

/** `/sign-up?next=…`: create an account, then go to `next` (a same-site path). */
export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await searchParams).next);
  if (await getToken()) redirect(next);
  return <AuthForm mode="sign-up" action={signUp} next={next} />;
}
