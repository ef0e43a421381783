import { readFileSync } from "node:fs";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ProcessAccepted } from "@/lib/api/client";
import { UploadError, type UploadProgress } from "@/lib/upload";
import { HAS_EVAL, NO_EVAL_REASON, SAMPLE } from "@/test/eval";
import { renderWithIntl, translate } from "@/test/intl";
import { speakerOptions } from "./SpeakerFields";
import { type Uploader as UploadFn, Uploader } from "./Uploader";

const refresh = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh, push: vi.fn(), replace: vi.fn() }) }));

const accepted: ProcessAccepted = { meeting_id: "m1", task_id: "t1", status: "PENDING", status_url: "/api/v1/status/t1" };

/**
 * An upload that reports `steps` progress events, then waits for `release()` and settles as
 * told (resolves with a 202 answer, or rejects with `outcome`).
 */
function scriptedUpload(outcome: "ok" | UploadError, steps = 4) {
  const calls: { file: File; options: Record<string, unknown> }[] = [];
  const gates: (() => void)[] = [];
  const fn: UploadFn = (file, options, onProgress) => {
    calls.push({ file, options });
    const gate = new Promise<void>((resolve) => gates.push(resolve));
    const done = (async () => {
      for (let i = 1; i <= steps; i += 1) onProgress({ loaded: Math.round((file.size * i) / steps), total: file.size } satisfies UploadProgress);
      await gate;
      if (outcome !== "ok") throw outcome;
      return accepted;
    })();
    return { done, abort: () => undefined };
  };
  return { fn, calls, release: () => gates.forEach((g) => g()) };
}

function wavFile(): File {
  return new File([readFileSync(SAMPLE.wav)], "sample.wav", { type: "audio/wav" });
}

beforeEach(() => refresh.mockReset());

describe("speakerOptions", () => {
  it("turns the speaker fields into upload options or a message", () => {
    expect(speakerOptions("auto", "", "", "")).toEqual([{}, null]);
    expect(speakerOptions("exact", "2", "", "")).toEqual([{ num_speakers: 2 }, null]);
    const problem = (...args: Parameters<typeof speakerOptions>) => translate("en", speakerOptions(...args)[1]!);
    expect(problem("exact", "0", "", "")).toMatch(/between 1 and 64/);
    expect(speakerOptions("range", "", "2", "4")).toEqual([{ min_speakers: 2, max_speakers: 4 }, null]);
    expect(problem("range", "", "5", "3")).toMatch(/minimum is larger/);
    expect(problem("range", "", "", "")).toMatch(/minimum, a maximum/);
    expect(problem("range", "", "1.5", "")).toMatch(/whole numbers/);
    expect(translate("fr", speakerOptions("range", "", "5", "3")[1]!)).toBe("Le minimum est supérieur au maximum.");
  });
});

describe.skipIf(!HAS_EVAL)(`Uploader with sample.wav (${HAS_EVAL ? "found" : NO_EVAL_REASON})`, () => {
  it("uploads with the chosen options, shows bytes and percent, then refreshes the list", async () => {
    const upload = scriptedUpload("ok");
    renderWithIntl(<Uploader maxBytes={4 * 1024 ** 3} upload={upload.fn} />);
    const user = userEvent.setup();
    const file = wavFile();
    await user.upload(screen.getByLabelText(/Drop an audio or video file/), file);
    expect(screen.getByText("sample.wav")).toBeInTheDocument();
    await user.type(screen.getByLabelText(/Title/), "Phone call");
    await user.selectOptions(screen.getByLabelText("Language"), "en");
    await user.selectOptions(screen.getByLabelText("Speakers"), "range");
    await user.type(screen.getByLabelText("At least"), "2");
    await user.type(screen.getByLabelText("At most"), "3");
    await user.click(screen.getByRole("button", { name: "Upload and transcribe" }));

    const bar = await screen.findByRole("progressbar", { name: "Upload progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "100");
    expect(screen.getByTestId("upload-progress")).toHaveTextContent("960 KB of 960 KB");
    expect(screen.getByRole("button", { name: "Cancel upload" })).toBeInTheDocument();
    expect(upload.calls[0]?.options).toMatchObject({ title: "Phone call", language: "en", min_speakers: 2, max_speakers: 3 });
    expect(upload.calls[0]?.file.size).toBe(file.size);

    upload.release();
    expect(await screen.findByText(/“Phone call” is uploaded; processing has started/)).toBeInTheDocument();
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("explains the gateway's refusal from its code and lets the user try again", async () => {
    const upload = scriptedUpload(new UploadError("the body is larger than MAX_UPLOAD_BYTES", "http", 413, "payload_too_large"), 1);
    renderWithIntl(<Uploader maxBytes={4 * 1024 ** 3} upload={upload.fn} />);
    const user = userEvent.setup();
    await user.upload(screen.getByLabelText(/Drop an audio or video file/), wavFile());
    await user.click(screen.getByRole("button", { name: "Upload and transcribe" }));
    upload.release();
    expect(await screen.findByRole("alert")).toHaveTextContent("The file is larger than the server accepts.");
    expect(screen.queryByText(/MAX_UPLOAD_BYTES/)).toBeNull();
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.getByRole("button", { name: "Upload and transcribe" })).toBeEnabled();
    expect(refresh).not.toHaveBeenCalled();
  });

  it("refuses a file over the size limit before uploading", async () => {
    const upload = scriptedUpload("ok");
    renderWithIntl(<Uploader maxBytes={500_000} upload={upload.fn} />);
    await userEvent.setup({ applyAccept: false }).upload(screen.getByLabelText(/Drop an audio or video file/), wavFile());
    expect(screen.getByRole("alert")).toHaveTextContent("“sample.wav” is 960 KB; the largest recording accepted is 500 KB.");
    expect(screen.getByRole("button", { name: "Upload and transcribe" })).toBeDisabled();
    expect(upload.calls).toHaveLength(0);
  });
});

describe("Uploader in French", () => {
  it("labels the form and refuses a file in French", async () => {
    const upload = scriptedUpload("ok");
    renderWithIntl(<Uploader maxBytes={500_000} upload={upload.fn} />, { locale: "fr" });
    expect(screen.getByRole("heading", { name: "Envoyer un enregistrement" })).toBeInTheDocument();
    const language = screen.getByLabelText("Langue");
    expect(within(language).getByRole("option", { name: "Détection automatique", selected: true })).toBeInTheDocument();
    expect(within(language).getByRole("option", { name: "Allemand" })).toHaveValue("de");
    expect(screen.getByText(/jusqu’à 500 ko/)).toBeInTheDocument(); // (Testing Library folds the non-breaking space)
    const big = new File([new Uint8Array(960_104)], "appel.wav", { type: "audio/wav" });
    await userEvent.setup({ applyAccept: false }).upload(screen.getByLabelText(/Déposez un fichier audio ou vidéo/), big);
    expect(screen.getByRole("alert").textContent).toBe("«\u00a0appel.wav\u00a0» pèse 960\u00a0ko\u202f; le plus gros enregistrement accepté pèse 500\u00a0ko.");
    expect(screen.getByRole("button", { name: "Envoyer et transcrire" })).toBeDisabled();
  });
});

describe("Uploader refusals", () => {
  it("refuses a file that is not audio, dropped or picked", async () => {
    const upload = scriptedUpload("ok");
    renderWithIntl(<Uploader maxBytes={1e9} upload={upload.fn} />);
    const pdf = new File(["%PDF-1.7"], "minutes.pdf", { type: "application/pdf" });
    await userEvent.setup({ applyAccept: false }).upload(screen.getByLabelText(/Drop an audio or video file/), pdf);
    expect(screen.getByRole("alert")).toHaveTextContent("“minutes.pdf” is not an audio or video recording");
    expect(upload.calls).toHaveLength(0);
  });
});
