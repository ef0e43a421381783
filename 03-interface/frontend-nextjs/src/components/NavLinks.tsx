"use client";
/** Top navigation with the current page marked (`aria-current="page"`). */
import Link from "next/link";
import { usePathname } from "next/navigation";

export function NavLinks({ links }: { links: ReadonlyArray<{ href: string; label: string }> }) {
  const pathname = usePathname();
  return (
    <>
      {links.map(({ href, label }) => (
        <Link key={href} href={href} aria-current={pathname === href || pathname.startsWith(`${href}/`) ? "page" : undefined}>
          {label}
        </Link>
      ))}
    </>
  );
}
