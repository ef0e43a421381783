import Link from "next/link";
import { getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { Logo } from "@/components/Logo";
import { NavLinks } from "@/components/NavLinks";
import { Preferences } from "@/components/Preferences";
import { SearchBox } from "@/components/SearchBox";
import { load } from "@/lib/api/server";
import { hasVoiceBank } from "@/lib/features";
import { requireToken } from "@/lib/session";
import { signOut } from "../(auth)/actions";

/**
 * Pages behind sign-in: the header with navigation, the search box (`/` focuses it), the
 * user's e-mail, the language and theme switches and sign-out. A signed-out visitor never gets
 * here: `src/proxy.ts` sends them to sign in with the page asked for as `next`.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const token = await requireToken();
  const [me, voiceBank, t] = await Promise.all([
    load((gw) => gw.GET("/api/v1/auth/me"), "/meetings"),
    hasVoiceBank(token),
    getTranslations("nav"),
  ]);
  const links = [{ href: "/meetings", label: t("meetings") }];
  if (voiceBank) links.push({ href: "/speakers", label: t("voiceBank") });
  links.push({ href: "/settings/api-keys", label: t("apiKeys") });
  return (
    <>
      <header className="topbar">
        <Link href="/meetings" className="brand">
          <Logo /> {t("appName")}
        </Link>
        <nav aria-label={t("label")}>
          <NavLinks links={links} />
        </nav>
        <SearchBox />
        <span className="user-email" data-testid="user-email" title={me.email}>
          {me.email}
        </span>
        <Preferences />
        <form action={signOut}>
          <button type="submit" className="secondary">
            {t("signOut")}
          </button>
        </form>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
