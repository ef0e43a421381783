// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import { translate } from "@/test/intl";
import { ApiError, describeError, errorMessage, errorText, failureText, gatewayUnreachable, SERVICE_UNREACHABLE } from "./errors";
import { UploadError } from "../upload";

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

describe("errorMessage (for logs)", () => {
  it("keeps the gateway's sentence and falls back to the status", () => {
    expect(errorMessage({ error: "AudioDecodeError", code: "no_audio_stream", detail: "The file contains no audio track." }, 415)).toBe(
      "The file contains no audio track.",
    );
    expect(errorMessage(undefined, 502)).toBe(SERVICE_UNREACHABLE);
    expect(errorMessage("<html>bad gateway</html>", 504)).toBe(SERVICE_UNREACHABLE);
  });
});

describe("what the user reads", () => {
  const en = (m: Parameters<typeof translate>[1]) => translate("en", m);
  const fr = (m: Parameters<typeof translate>[1]) => translate("fr", m);

  it("says the sentence of the gateway's code, in English and in French", () => {
    expect(en(errorText("no_audio_stream", 415))).toBe("The file contains no audio track.");
    expect(fr(errorText("no_audio_stream", 415))).toBe("Le fichier ne contient aucune piste audio.");
    expect(en(errorText("payload_too_large", 413))).toBe("The file is larger than the server accepts.");
    expect(fr(errorText("not_found", 404))).toBe("Cet élément n’existe plus, ou il appartient à un autre compte.");
  });

  it("falls back on the status, then on a generic sentence, for a code it does not know", () => {
    expect(en(errorText("brand_new_code", 404))).toBe("It no longer exists, or it belongs to another account.");
    expect(en(errorText(null, 503))).toBe("The service is not reachable right now; try again in a moment.");
    expect(en(errorText("brand_new_code", 418))).toBe("Something went wrong; try again in a moment.");
    expect(fr(errorText(null))).toBe("Une erreur s’est produite\u202f; réessayez dans un instant.");
  });

  it("reads 429 as too many requests (the sign-in throttle's too_many_attempts is not a processing failure)", () => {
    expect(en(errorText("too_many_attempts", 429))).toBe("Too many attempts in a short time; wait a few minutes and try again.");
    expect(en(failureText("too_many_attempts"))).toMatch(/^Processing was interrupted too many times/);
    expect(en(errorText("bad_input", 400))).toBe("The request was refused; check what you entered and try again.");
    expect(en(failureText("bad_input"))).toBe("The recording or its processing options were refused.");
  });

  it("describes anything thrown: API errors, upload errors, the rest", () => {
    expect(en(describeError(new ApiError("meeting 123 has no speaker 'X'", 409, "conflict")))).toMatch(/^This cannot be done right now/);
    expect(en(describeError(new UploadError("lost", "network")))).toBe("The connection to the server was lost; check your network and try again.");
    expect(fr(describeError(new UploadError("cancelled", "aborted")))).toBe("L’envoi a été annulé.");
    expect(en(describeError(new UploadError("x", "http", 415, "unsupported_media_type")))).toBe("This file type is not supported.");
    expect(en(describeError(new TypeError("Cannot read properties of undefined")))).toBe("Something went wrong; try again in a moment.");
    expect(en(describeError("a string"))).toBe("Something went wrong; try again in a moment.");
  });

  it("names a failed meeting's reason from its code, processing_failed when unknown or missing", () => {
    expect(fr(failureText("too_little_speech"))).toBe("L’enregistrement contient trop peu de parole pour apprendre une voix.");
    expect(en(failureText("worker_lost"))).toMatch(/stopped responding; it has been queued again/);
    expect(en(failureText(null))).toBe(en(failureText("processing_failed")));
    expect(en(failureText("not_a_failure_code"))).toMatch(/^Processing failed because of an unexpected error/);
  });
});
