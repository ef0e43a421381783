/** Path prefix of the dashboard's authenticated proxy to the gateway (`src/app/gw/[...path]`). */
export const PROXY_PREFIX = "/gw";
