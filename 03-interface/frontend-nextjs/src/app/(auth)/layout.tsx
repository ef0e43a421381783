import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "@/components/Logo";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          <Logo /> Meeting Scribe
        </Link>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
