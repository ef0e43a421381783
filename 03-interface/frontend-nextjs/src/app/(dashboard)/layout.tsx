import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "@/components/Logo";
import { NavLinks } from "@/components/NavLinks";
import { load } from "@/lib/api/server";
import { hasVoiceBank } from "@/lib/features";
import { requireToken } from "@/lib/session";
import { signOut } from "../(auth)/actions";

/** Pages behind sign-in: the header with navigation, the user's e-mail and sign-out. */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const token = await requireToken();
  const [me, voiceBank] = await Promise.all([
    load((gw) => gw.GET("/api/v1/auth/me"), "/meetings"),
    hasVoiceBank(token),
  ]);
  const links = [{ href: "/meetings", label: "Meetings" }];
  if (voiceBank) links.push({ href: "/speakers", label: "Voice bank" });
  links.push({ href: "/settings/api-keys", label: "API keys" });
  return (
    <>
      <header className="topbar">
        <Link href="/meetings" className="brand">
          <Logo /> Meeting Scribe
        </Link>
        <nav aria-label="Main">
          <NavLinks links={links} />
        </nav>
        <span className="user-email" data-testid="user-email">
          {me.email}
        </span>
        <form action={signOut}>
          <button type="submit" className="secondary">
            Sign out
          </button>
        </form>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
