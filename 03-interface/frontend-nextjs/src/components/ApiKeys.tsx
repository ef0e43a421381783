"use client";
/**
 * API keys: a form to create a key (name, permissions, optional expiry), the new key shown
 * ONCE with a copy button and a warning, and the list of keys (prefix, name, permissions,
 * creation, last use, expiry) with revocation after an explicit confirmation.
 */
import { type FormEvent, useId, useRef, useState } from "react";
import { sessionExpired } from "@/lib/api/browser";
import { type ApiKey, type ApiKeyCreated, type ApiKeysApi, apiKeysApi, isExpired, keyCreateBody, SCOPES, type Scope, validateKeyForm } from "@/lib/api-keys";
import { formatDateTime } from "@/lib/format";
import { PROXY_PREFIX } from "@/lib/proxy-prefix";
import { ConfirmButton } from "./ConfirmButton";

/** The browser's calls, through the `/gw` proxy (which adds the session's token). */
export function browserApiKeysApi(): ApiKeysApi {
  return apiKeysApi(`${window.location.origin}${PROXY_PREFIX}`, { onUnauthorized: sessionExpired });
}

export interface ApiKeysProps {
  keys: ApiKey[];
  api?: ApiKeysApi;
  /** Copies text (default: the Clipboard API). */
  copy?: (text: string) => Promise<void>;
  /** Today as `YYYY-MM-DD` (UTC), for the expiry check (tests). */
  today?: string;
}

const defaultCopy = (text: string) => navigator.clipboard.writeText(text);

function NewKey({ created, copy, onDismiss }: { created: ApiKeyCreated; copy: (text: string) => Promise<void>; onDismiss: () => void }) {
  const inputId = useId();
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const doCopy = async () => {
    try {
      await copy(created.key);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <section className="card new-key" aria-labelledby={`${inputId}-title`}>
      <h2 id={`${inputId}-title`}>Your new key “{created.name}”</h2>
      <p className="alert warning" role="note">
        Copy it now: this is the only time it is shown. Only its first characters ({created.prefix}…) are kept; if you lose
        it, revoke it and create another.
      </p>
      <div className="field">
        <label htmlFor={inputId}>API key</label>
        <div className="row">
          <input id={inputId} type="text" readOnly value={created.key} spellCheck={false} onFocus={(e) => e.currentTarget.select()} className="mono" />
          <button type="button" onClick={doCopy}>
            Copy
          </button>
        </div>
      </div>
      <p aria-live="polite" className="muted">
        {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "Could not copy: select the key and copy it by hand." : ""}
      </p>
      <p className="muted">
        Send it as <code>Authorization: Bearer {created.prefix}…</code> or <code>X-API-Key: {created.prefix}…</code>.
      </p>
      <button type="button" className="secondary" onClick={onDismiss}>
        I have stored the key
      </button>
    </section>
  );
}

export function ApiKeys({ keys: initial, api, copy = defaultCopy, today }: ApiKeysProps) {
  const calls = useRef<ApiKeysApi | null>(api ?? null);
  const gateway = () => (calls.current ??= browserApiKeysApi());
  const [keys, setKeys] = useState<ApiKey[]>(initial);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["meetings:read", "meetings:write"]);
  const [expiresOn, setExpiresOn] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const ids = { name: useId(), expiry: useId(), scopes: useId() };

  const toggle = (scope: Scope, on: boolean) =>
    setScopes((current) => (on ? [...current.filter((s) => s !== scope), scope] : current.filter((s) => s !== scope)));

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    const refusal = validateKeyForm(name, scopes, expiresOn, today ?? new Date().toISOString().slice(0, 10));
    if (refusal) return setError(refusal);
    setError(null);
    setBusy(true);
    try {
      const key = await gateway().create(keyCreateBody(name, scopes, expiresOn));
      const { key: _secret, ...listed } = key;
      setKeys((list) => [listed, ...list.filter((k) => k.id !== key.id)]);
      setCreated(key);
      setName("");
      setExpiresOn("");
    } catch (err) {
      setError(`The key could not be created: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (key: ApiKey) => {
    await gateway().revoke(key.id);
    setKeys((list) => list.filter((k) => k.id !== key.id));
    if (created?.id === key.id) setCreated(null);
    setError(null);
    setNotice(`The key “${key.name}” (${key.prefix}…) is revoked; requests sent with it are refused from now on.`);
  };

  return (
    <>
      {created ? <NewKey created={created} copy={copy} onDismiss={() => setCreated(null)} /> : null}
      <section className="card" aria-labelledby="create-key-title">
        <h2 id="create-key-title">Create a key</h2>
        <form onSubmit={create} noValidate>
          <div className="grid-fields">
            <div className="field">
              <label htmlFor={ids.name}>Name</label>
              <input id={ids.name} type="text" maxLength={100} value={name} placeholder="n8n on the NAS" onChange={(e) => setName(e.target.value)} disabled={busy} />
            </div>
            <div className="field">
              <label htmlFor={ids.expiry}>Expires on (optional)</label>
              <input id={ids.expiry} type="date" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} disabled={busy} />
            </div>
          </div>
          <fieldset className="scopes" disabled={busy}>
            <legend>Permissions</legend>
            {SCOPES.map(({ scope, label }) => (
              <label key={scope} className="checkbox">
                <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} />
                <span>
                  <code>{scope}</code> {label}
                </span>
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create key"}
          </button>
        </form>
        <div aria-live="polite">
          {error ? (
            <p className="alert error" role="alert">
              {error}
            </p>
          ) : null}
          {notice ? (
            <p className="alert success" role="status">
              {notice}
            </p>
          ) : null}
        </div>
      </section>
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Your keys</h2>
        {keys.length === 0 ? (
          <p className="muted">No API keys yet.</p>
        ) : (
          <table className="api-keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Permissions</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-testid="api-key-row">
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.scopes.join(", ")}</td>
                  <td>{formatDateTime(key.created_at)}</td>
                  <td>{key.last_used_at ? formatDateTime(key.last_used_at) : "Never"}</td>
                  <td>{key.expires_at ? `${formatDateTime(key.expires_at)}${isExpired(key) ? " (expired)" : ""}` : "Never"}</td>
                  <td>
                    <ConfirmButton
                      label="Revoke"
                      ariaLabel={`Revoke ${key.name}`}
                      heading={`Revoke “${key.name}”?`}
                      confirmLabel="Revoke for good"
                      busyLabel="Revoking…"
                      onConfirm={() => revoke(key)}
                    >
                      Scripts and integrations using {key.prefix}… are refused from the next request on.
                    </ConfirmButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
