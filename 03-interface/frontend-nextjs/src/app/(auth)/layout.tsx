import Link from "next/link";
import { getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { Logo } from "@/components/Logo";
import { Preferences } from "@/components/Preferences";

/** Sign-in and sign-up: the brand, the language and theme switches, the form. */
export default async function AuthLayout({ children }: { children: ReactNode }) {
  const t = await getTranslations("nav");
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          <Logo /> {t("appName")}
        </Link>
        <Preferences />
      </header>
      <main id="main">{children}</main>
    </>
  );
}
