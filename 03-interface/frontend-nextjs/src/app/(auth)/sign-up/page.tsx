import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getToken } from "@/lib/session";
import { signUp } from "../actions";
import { AuthForm } from "../AuthForm";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage() {
  if (await getToken()) redirect("/meetings");
  return <AuthForm mode="sign-up" action={signUp} />;
}
