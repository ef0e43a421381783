import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HAS_EVAL, NO_EVAL_REASON, SAMPLE } from "@/test/eval";
import { readBody, startServer, type TestServer } from "@/test/http-server";
import { translate } from "@/test/intl";
import { errorCode, errorMessage } from "./api/errors";
import { type UploadProgress, UploadError, uploadRecording, validateRecording } from "./upload";

const GiB = 1024 ** 3;

describe("validateRecording", () => {
  it("refuses an empty file, an oversized file and a non-audio file, with the sizes in the user's language", () => {
    expect(validateRecording({ name: "a.wav", size: 0, type: "audio/wav" }, GiB)).toEqual({ key: "upload.empty", values: { name: "a.wav" } });
    expect(validateRecording({ name: "big.wav", size: 5 * GiB, type: "audio/wav" }, 4 * GiB)).toEqual({
      key: "upload.tooLarge",
      values: { name: "big.wav", size: "5.4 GB", max: "4.3 GB" },
    });
    expect(validateRecording({ name: "big.wav", size: 5 * GiB, type: "audio/wav" }, 4 * GiB, "fr")?.values).toMatchObject({
      size: "5,4\u00a0Go",
      max: "4,3\u00a0Go",
    });
    expect(validateRecording({ name: "notes.pdf", size: 10, type: "application/pdf" }, GiB)).toMatchObject({ key: "upload.notAudio" });
  });

  it("reads as sentences in English and French", () => {
    const refusal = validateRecording({ name: "big.wav", size: 5 * GiB, type: "audio/wav" }, 4 * GiB)!;
    expect(translate("en", refusal)).toBe("“big.wav” is 5.4 GB; the largest recording accepted is 4.3 GB.");
    const fr = validateRecording({ name: "notes.pdf", size: 10, type: "application/pdf" }, GiB, "fr")!;
    expect(translate("fr", fr)).toMatch(/^«\u00a0notes\.pdf\u00a0» n’est pas un enregistrement audio ou vidéo \(acceptés\u00a0: wav, mp3/);
  });

  it("accepts audio by MIME type or by extension", () => {
    expect(validateRecording({ name: "x", size: 10, type: "audio/ogg" }, GiB)).toBeNull();
    expect(validateRecording({ name: "call.M4A", size: 10, type: "" }, GiB)).toBeNull();
    expect(validateRecording({ name: "screen.webm", size: 10, type: "video/webm" }, GiB)).toBeNull();
  });
});

describe("errorMessage", () => {
  it("reads the project's {error, detail} body", () => {
    expect(errorMessage({ error: "PayloadTooLargeError", detail: "the body is over 4 GiB" }, 413)).toBe("the body is over 4 GiB");
  });
  it("reads FastAPI validation errors", () => {
    const body = { detail: [{ loc: ["body", "num_speakers"], msg: "Input should be a valid integer", type: "int_parsing" }] };
    expect(errorMessage(body, 422)).toBe("num_speakers: Input should be a valid integer");
  });
  it("falls back on the status, never on an HTML page", () => {
    expect(errorMessage("<html>Bad gateway</html>", 502)).toMatch(/not reachable/);
    expect(errorMessage(null, 413)).toMatch(/413/);
    expect(errorMessage(undefined, 418)).toMatch(/418/);
  });
  it("reads the stable code, and nothing that is not one", () => {
    expect(errorCode({ error: "PayloadTooLargeError", code: "payload_too_large", detail: "…" })).toBe("payload_too_large");
    expect(errorCode({ code: "<script>" })).toBeNull();
    expect(errorCode("payload_too_large")).toBeNull();
    expect(errorCode(null)).toBeNull();
  });
});

describe("uploadRecording (XMLHttpRequest against a real HTTP server)", () => {
  let server: TestServer;
  const received: { bytes: number; text: string }[] = [];
  beforeAll(async () => {
    server = await startServer(async (req, res) => {
      const cors = { "access-control-allow-origin": "*", "content-type": "application/json" };
      if (req.method === "OPTIONS") {
        // CORS preflight: XHR uploads with progress listeners are never "simple" requests.
        res.writeHead(204, { ...cors, "access-control-allow-methods": "POST", "access-control-allow-headers": "accept" });
        res.end();
        return;
      }
      if (req.url === "/drop") {
        req.socket.destroy();
        return;
      }
      const body = await readBody(req);
      received.push(body);
      if (req.url === "/too-big") {
        res.writeHead(413, cors);
        res.end(JSON.stringify({ error: "PayloadTooLargeError", code: "payload_too_large", detail: "the body is larger than MAX_UPLOAD_BYTES (1 MB)" }));
        return;
      }
      res.writeHead(202, cors);
      res.end(JSON.stringify({ meeting_id: "m1", task_id: "t1", status: "PENDING", status_url: "/api/v1/status/t1" }));
    });
  });
  afterAll(() => server.close());

  it.skipIf(!HAS_EVAL)(`sends sample.wav with the options as multipart fields and reports progress${HAS_EVAL ? "" : ` (${NO_EVAL_REASON})`}`, async () => {
    const wav = readFileSync(SAMPLE.wav);
    const file = new File([wav], "sample.wav", { type: "audio/wav" });
    const events: UploadProgress[] = [];
    const handle = uploadRecording(`${server.url}/ok`, file, { title: "Call", language: "auto", num_speakers: 2, min_speakers: undefined }, (p) =>
      events.push(p),
    );
    await expect(handle.done).resolves.toMatchObject({ meeting_id: "m1", status: "PENDING" });
    const body = received.at(-1)!;
    expect(body.bytes).toBeGreaterThan(wav.length);
    expect(body.text).toContain('name="file"; filename="sample.wav"');
    expect(body.text).toContain('name="title"');
    expect(body.text).toContain('name="num_speakers"');
    expect(body.text).not.toContain('name="language"'); // "auto" is the default: not sent
    expect(body.text).not.toContain('name="min_speakers"');
    expect(events.length).toBeGreaterThan(0);
    const last = events.at(-1)!;
    expect(last.loaded).toBe(last.total);
    expect(last.total).toBeGreaterThanOrEqual(wav.length);
  });

  it("rejects with the gateway's code and wording on 413", async () => {
    const file = new File([new Uint8Array(2048)], "a.wav", { type: "audio/wav" });
    const error = await uploadRecording(`${server.url}/too-big`, file, {}).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ kind: "http", status: 413, code: "payload_too_large", message: "the body is larger than MAX_UPLOAD_BYTES (1 MB)" });
  });

  it("rejects with a network error when the connection drops", async () => {
    const file = new File([new Uint8Array(1024)], "a.wav", { type: "audio/wav" });
    const error = await uploadRecording(`${server.url}/drop`, file, {}).done.catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "network" });
    expect((error as Error).message).toMatch(/network/);
  });

  it("can be cancelled", async () => {
    const file = new File([new Uint8Array(1024)], "a.wav", { type: "audio/wav" });
    const handle = uploadRecording(`${server.url}/ok`, file, {});
    handle.abort();
    await expect(handle.done).rejects.toMatchObject({ kind: "aborted" });
  });
});
