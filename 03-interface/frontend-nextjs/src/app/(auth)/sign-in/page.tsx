import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { getToken } from "@/lib/session";
import { safeNext } from "@/lib/session-utils";
import { signIn } from "../actions";
import { AuthForm } from "../AuthForm";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("metadata"))("signIn") };
}

/** `/sign-in?next=…`: the sign-in form; back to `next` (a same-site path) afterwards. */
export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = safeNext(params.next);
  if (await getToken()) redirect(next);
  const t = await getTranslations("auth");
  const notice = params.expired ? t("expired") : params.signed_out ? t("signedOut") : undefined;
  return <AuthForm mode="sign-in" action={signIn} next={next} notice={notice} />;
}
