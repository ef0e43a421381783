import path from "node:path";
import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

const isDev = process.env.NODE_ENV !== "production";

/**
 * Content-Security-Policy of every dashboard page: everything from this origin only.
 *
 * - `script-src 'unsafe-inline'`: the App Router streams its React Server Components payload as
 *   inline `<script>self.__next_f.push(…)</script>` tags whose content differs per page and per
 *   request, so no hash can allow them; nonces would need a per-request proxy (middleware) and
 *   force every page to render dynamically. This config is static (baked in by `next build`),
 *   so inline scripts are allowed, but only from this origin's own HTML: no other host can
 *   serve a script. `next dev` also needs `'unsafe-eval'` (React's dev call stacks).
 * - `style-src 'unsafe-inline'`: server-rendered `style="…"` attributes (timeline bars,
 *   progress, speaker colours).
 * - `media-src` also allows any http(s) origin: the audio player's `/gw/…/audio` answers with a
 *   redirect to a presigned URL on the object store (MinIO/S3), whose public address
 *   (`S3_PUBLIC_ENDPOINT`) is a deployment setting this build cannot know. Media cannot run code.
 * - Nothing may frame the dashboard (`frame-ancestors 'none'`, and `X-Frame-Options` for old
 *   browsers); forms post only here; no plugins; `<base>` cannot be changed.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' http: https:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Browser features the dashboard never uses are switched off for it and anything it embeds.
 * The uploader takes files only (it does not record), so the microphone is off too.
 */
const permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()";

/**
 * Next.js configuration of the dashboard.
 *
 * - `output: "standalone"`: `next build` writes `.next/standalone/server.js`, a minimal
 *   Node server with only the traced dependencies (used by the Docker image and the e2e run).
 * - The tracing and Turbopack roots are pinned to this folder so that the monorepo around it
 *   (Python packages, other lock files) never changes the layout of `.next/standalone`.
 * - No `next/image` optimiser and no remote fonts: every asset is served from this app.
 * - Security headers on every route (see {@link contentSecurityPolicy}).
 * - Translations: next-intl without i18n routing (no locale in URLs); the language of a
 *   request is chosen in `src/i18n/request.ts`, messages live in `messages/<locale>.json`.
 */
const nextConfig: NextConfig = {
  output: "standalone",
  outputFileTracingRoot: path.resolve(__dirname),
  turbopack: { root: path.resolve(__dirname) },
  poweredByHeader: false,
  reactStrictMode: true,
  images: { unoptimized: true },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: contentSecurityPolicy },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: permissionsPolicy },
        ],
      },
    ];
  },
};

/** next-intl's plugin: points `next-intl/server` at `src/i18n/request.ts`. */
const withNextIntl = createNextIntlPlugin("./src/i18n/request.ts");

export default withNextIntl(nextConfig);
