import path from "node:path";
import type { NextConfig } from "next";

/**
 * Next.js configuration of the dashboard.
 *
 * - `output: "standalone"`: `next build` writes `.next/standalone/server.js`, a minimal
 *   Node server with only the traced dependencies (used by the Docker image and the e2e run).
 * - The tracing and Turbopack roots are pinned to this folder so that the monorepo around it
 *   (Python packages, other lock files) never changes the layout of `.next/standalone`.
 * - No `next/image` optimiser and no remote fonts: every asset is served from this app.
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
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
