"use client";
import { RouteError } from "@/components/RouteError";

export default function Error({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <main id="main">
      <RouteError error={error} retry={retry} what="page" />
    </main>
  );
}
