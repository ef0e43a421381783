// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import { errorMessage, gatewayUnreachable, SERVICE_UNREACHABLE } from "./errors";

describe("gatewayUnreachable", () => {
  it("logs the network error and returns a sentence without the gateway's address", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const err = new TypeError("fetch failed: connect ECONNREFUSED 10.0.3.7:5000");
      const message = gatewayUnreachable(err, "sign-in");
      expect(message).toBe(SERVICE_UNREACHABLE);
      expect(message).not.toMatch(/10\.0\.3\.7|5000|ECONNREFUSED/);
      expect(logged).toHaveBeenCalledWith("gateway unreachable during sign-in:", err.message);
    } finally {
      logged.mockRestore();
    }
  });
});

describe("errorMessage", () => {
  it("keeps the gateway's sentence and falls back to one per status", () => {
    expect(errorMessage({ error: "AudioDecodeError", code: "no_audio_stream", detail: "The file contains no audio track." }, 415)).toBe(
      "The file contains no audio track.",
    );
    expect(errorMessage(undefined, 502)).toBe(SERVICE_UNREACHABLE);
    expect(errorMessage("<html>bad gateway</html>", 504)).toBe(SERVICE_UNREACHABLE);
  });
});
