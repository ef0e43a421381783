import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UploadError } from "@/lib/upload";
import { renderWithIntl } from "@/test/intl";
import type { Person } from "@/lib/voice-bank";
import { VoiceBank, type VoiceBankApi } from "./VoiceBank";

function person(overrides: Partial<Person>): Person {
  return {
    id: "11111111-2222-4333-8444-555555555555",
    name: "Katie",
    status: "READY",
    error: null,
    error_code: null,
    num_samples: 1,
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:00:05Z",
    ...overrides,
  };
}

function fakeApi(overrides: Partial<VoiceBankApi> = {}): VoiceBankApi & { [K in keyof VoiceBankApi]: ReturnType<typeof vi.fn> } {
  return {
    list: vi.fn(async () => []),
    enrol: vi.fn(async () => person({})),
    addSample: vi.fn(async () => person({ status: "PENDING" })),
    remove: vi.fn(async () => undefined),
    ...overrides,
  } as never;
}

const wav = () => new File([new Uint8Array(2048)], "katie.wav", { type: "audio/wav" });

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

async function tick(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("VoiceBank", () => {
  it("lists people with their status, failure reason and number of samples", () => {
    const people = [
      person({ id: "a", name: "Katie", num_samples: 2 }),
      person({ id: "b", name: "Steve", status: "FAILED", error: "too little speech (1.2 s < 3.0 s)", error_code: "too_little_speech", num_samples: 0 }),
      person({ id: "c", name: "Zoe", status: "PENDING", num_samples: 0 }),
    ];
    renderWithIntl(<VoiceBank people={people} maxBytes={1e6} api={fakeApi()} pollIntervalMs={1000} />);
    expect(screen.getByRole("heading", { name: "Enrolled people (3)" })).toBeInTheDocument();
    const rows = screen.getAllByTestId("person-row");
    expect(rows[0]).toHaveTextContent("Katie");
    expect(rows[0]).toHaveTextContent("2 samples");
    expect(within(rows[0]!).getByText("Ready")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Failed")).toBeInTheDocument();
    expect(rows[1]).toHaveTextContent("The recording contains too little speech to learn a voice from.");
    expect(rows[1]).not.toHaveTextContent("1.2 s < 3.0 s");
    expect(within(rows[2]!).getByText("Processing")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Remove Steve" })).toBeInTheDocument();
  });

  it("says so when nobody is enrolled and does not poll", async () => {
    const api = fakeApi();
    renderWithIntl(<VoiceBank people={[]} maxBytes={1e6} api={api} pollIntervalMs={1000} />);
    expect(screen.getByText(/Nobody is enrolled yet/)).toBeInTheDocument();
    await tick(5000);
    expect(api.list).not.toHaveBeenCalled();
  });

  it("enrols a person, polls while PENDING and stops once READY", async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    const pending = person({ status: "PENDING", num_samples: 0 });
    const ready = person({ status: "READY", num_samples: 1 });
    const answers = [[pending], [ready]];
    const api = fakeApi({
      enrol: vi.fn(async (_name: string, _file: File, onProgress: (p: { loaded: number; total: number }) => void) => {
        onProgress({ loaded: 2048, total: 2048 });
        return pending;
      }),
      list: vi.fn(async () => answers[Math.min(api.list.mock.calls.length - 1, answers.length - 1)]!),
    });
    renderWithIntl(<VoiceBank people={[]} maxBytes={1e6} api={api} pollIntervalMs={1000} />);
    await user.type(screen.getByLabelText("Name"), "  Katie ");
    await user.upload(screen.getByLabelText("Recording of their voice"), wav());
    await user.click(screen.getByRole("button", { name: "Enrol" }));

    expect(api.enrol).toHaveBeenCalledWith("Katie", expect.any(File), expect.any(Function));
    const row = await screen.findByTestId("person-row");
    expect(within(row).getByText("Processing")).toBeInTheDocument();
    expect(screen.getByText(/Katie's recording is uploaded/)).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveValue("");

    await tick(1000);
    expect(api.list).toHaveBeenCalledTimes(1);
    expect(within(screen.getByTestId("person-row")).getByText("Processing")).toBeInTheDocument();
    await tick(1000);
    expect(api.list).toHaveBeenCalledTimes(2);
    expect(within(screen.getByTestId("person-row")).getByText("Ready")).toBeInTheDocument();
    expect(screen.getByTestId("person-row")).toHaveTextContent("1 sample");
    await tick(5000);
    expect(api.list).toHaveBeenCalledTimes(2); // stopped
  });

  it("shows a FAILED enrolment with its reason after polling", async () => {
    const api = fakeApi({
      list: vi.fn(async () => [person({ status: "FAILED", error: "too little speech", error_code: "too_little_speech", num_samples: 0 })]),
    });
    renderWithIntl(<VoiceBank people={[person({ status: "PENDING", num_samples: 0 })]} maxBytes={1e6} api={api} pollIntervalMs={1000} />);
    await tick(1000);
    const row = screen.getByTestId("person-row");
    expect(within(row).getByText("Failed")).toBeInTheDocument();
    expect(row).toHaveTextContent("too little speech to learn a voice");
    await tick(3000);
    expect(api.list).toHaveBeenCalledTimes(1);
  });

  it("explains a rejected file and checks the form before uploading", async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    const api = fakeApi({
      enrol: vi.fn(async () => Promise.reject(new UploadError("unsupported file type audio/x-foo", "http", 415, "unsupported_media_type"))),
    });
    renderWithIntl(<VoiceBank people={[]} maxBytes={1e6} api={api} pollIntervalMs={1000} />);
    await user.click(screen.getByRole("button", { name: "Enrol" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Enter the person's name.");
    await user.type(screen.getByLabelText("Name"), "Katie");
    await user.click(screen.getByRole("button", { name: "Enrol" }));
    expect(screen.getByRole("alert")).toHaveTextContent(/Choose a recording/);
    await user.upload(screen.getByLabelText("Recording of their voice"), new File([], "empty.wav", { type: "audio/wav" }));
    await user.click(screen.getByRole("button", { name: "Enrol" }));
    expect(screen.getByRole("alert")).toHaveTextContent("“empty.wav” is empty.");
    expect(api.enrol).not.toHaveBeenCalled();

    await user.upload(screen.getByLabelText("Recording of their voice"), wav());
    await user.click(screen.getByRole("button", { name: "Enrol" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Katie could not be enrolled: This file type is not supported.");
    expect(screen.queryByTestId("person-row")).toBeNull();
  });

  it("removes a person only after confirmation, from the keyboard", async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    const api = fakeApi();
    renderWithIntl(<VoiceBank people={[person({ id: "a", name: "Katie" }), person({ id: "b", name: "Steve" })]} maxBytes={1e6} api={api} />);
    screen.getByRole("button", { name: "Remove Katie" }).focus();
    await user.keyboard("{Enter}");
    const dialog = screen.getByRole("dialog", { name: "Remove Katie?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.remove).not.toHaveBeenCalled();
    expect(screen.getAllByTestId("person-row")).toHaveLength(2);

    screen.getByRole("button", { name: "Remove Katie" }).focus();
    await user.keyboard("{Enter}");
    within(screen.getByRole("dialog", { name: "Remove Katie?" })).getByRole("button", { name: "Remove for good" }).focus();
    await user.keyboard("{Enter}");
    expect(api.remove).toHaveBeenCalledWith("a");
    expect(screen.getAllByTestId("person-row")).toHaveLength(1);
    expect(screen.queryByText("Katie", { selector: ".speaker-name" })).toBeNull();
    expect(screen.getByText("Katie was removed from the voice bank.")).toBeInTheDocument();
  });

  it("keeps the person and says so when removal fails, never with the gateway's wording", async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    const api = fakeApi({ remove: vi.fn(async () => Promise.reject(new Error("no person a in your voice bank"))) });
    renderWithIntl(<VoiceBank people={[person({ id: "a" })]} maxBytes={1e6} api={api} />);
    await user.click(screen.getByRole("button", { name: "Remove Katie" }));
    await user.click(screen.getByRole("button", { name: "Remove for good" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Something went wrong; try again in a moment.");
    expect(screen.queryByText(/no person a/)).toBeNull();
    expect(screen.getByTestId("person-row")).toBeInTheDocument();
  });

  it("adds a recording to a person: uploads it, shows them PENDING, then READY with one more sample", async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    const katie = person({ id: "a", name: "Katie", num_samples: 1 });
    const api = fakeApi({
      addSample: vi.fn(async (_id: string, _file: File, onProgress: (p: { loaded: number; total: number }) => void) => {
        onProgress({ loaded: 1024, total: 2048 });
        return { ...katie, status: "PENDING" as const };
      }),
      list: vi.fn(async () => [{ ...katie, status: "READY" as const, num_samples: 2 }]),
    });
    renderWithIntl(<VoiceBank people={[katie, person({ id: "b", name: "Steve" })]} maxBytes={1e6} api={api} pollIntervalMs={1000} />);
    const button = screen.getByRole("button", { name: "Add a recording of Katie" });
    expect(button).toHaveTextContent("Add a recording");
    await user.upload(screen.getAllByTestId("add-recording-input")[0]!, wav());
    expect(api.addSample).toHaveBeenCalledWith("a", expect.any(File), expect.any(Function));
    expect((api.addSample.mock.calls[0] as [string, File])[1].name).toBe("katie.wav");
    const row = () => screen.getAllByTestId("person-row").find((r) => r.getAttribute("data-person-id") === "a")!;
    expect(await within(row()).findByText("Processing")).toBeInTheDocument();
    expect(within(row()).getByRole("button", { name: "Add a recording of Katie" })).toBeDisabled(); // until the voiceprint is updated
    expect(screen.getByText(/The new recording of Katie is uploaded/)).toBeInTheDocument();
    await tick(1000);
    expect(within(row()).getByText("Ready")).toBeInTheDocument();
    expect(row()).toHaveTextContent("2 samples");
    expect(within(row()).getByRole("button", { name: "Add a recording of Katie" })).toBeEnabled();
  });

  it("shows the reason a new recording was refused or failed, in French", async () => {
    // The picker's "All files" lets a person choose any file.
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime, applyAccept: false });
    const katie = person({ id: "a", name: "Katie" });
    const api = fakeApi({
      addSample: vi.fn(async () => Promise.reject(new UploadError("file too large", "http", 413, "payload_too_large"))),
      list: vi.fn(async () => [{ ...katie, status: "FAILED" as const, error: "too little speech", error_code: "too_little_speech" }]),
    });
    renderWithIntl(<VoiceBank people={[katie]} maxBytes={1e6} api={api} pollIntervalMs={1000} />, { locale: "fr" });
    const input = screen.getByTestId("add-recording-input");
    expect(screen.getByRole("button", { name: "Ajouter un enregistrement de Katie" })).toHaveTextContent("Ajouter un enregistrement");
    await user.upload(input, new File(["%PDF"], "notes.pdf", { type: "application/pdf" }));
    expect(screen.getByRole("alert")).toHaveTextContent(/^« notes\.pdf » n’est pas un enregistrement audio/); // (spaces normalised)
    expect(api.addSample).not.toHaveBeenCalled();
    await user.upload(input, wav());
    expect(await screen.findByRole("alert")).toHaveTextContent("L’enregistrement n’a pas pu être ajouté à Katie : Le fichier dépasse la taille acceptée par le serveur.");
    // A sample the worker could not use: the person's status says why.
    api.addSample.mockImplementation(async () => ({ ...katie, status: "PENDING" }));
    await user.upload(input, wav());
    await tick(1000);
    expect(screen.getByTestId("person-row")).toHaveTextContent("L’enregistrement contient trop peu de parole pour apprendre une voix.");
    expect(within(screen.getByTestId("person-row")).getByText("Échec")).toBeInTheDocument();
  });

  it("speaks French: statuses, samples, date and failure reason", () => {
    const people = [
      person({ id: "a", name: "Katie", num_samples: 2 }),
      person({ id: "b", name: "Steve", status: "FAILED", error: "x", error_code: "no_audio_stream", num_samples: 0 }),
    ];
    renderWithIntl(<VoiceBank people={people} maxBytes={1e6} api={fakeApi()} />, { locale: "fr" });
    expect(screen.getByRole("heading", { name: "Personnes inscrites (2)" })).toBeInTheDocument();
    const rows = screen.getAllByTestId("person-row");
    expect(rows[0]).toHaveTextContent("2 échantillons · depuis le 23 nov. 2026 à 10:00");
    expect(within(rows[0]!).getByText("Prête")).toBeInTheDocument();
    expect(rows[1]).toHaveTextContent("Le fichier ne contient aucune piste audio.");
    expect(screen.getByRole("button", { name: "Retirer Steve" })).toBeInTheDocument();
  });
});
