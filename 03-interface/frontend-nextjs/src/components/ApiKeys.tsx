"use client";
/**
 * API keys: a form to create a key (name, permissions, optional expiry), the new key shown
 * ONCE with a copy button and a warning, and the list of keys (prefix, name, permissions,
 * creation, last use, expiry) with revocation after an explicit confirmation.
 */
import { useLocale, useTranslations } from "next-intl";
import { type FormEvent, useId, useRef, useState } from "react";
import { type Message, msg } from "@/i18n/message";
import { useMessageText } from "@/i18n/text";
import { describeError } from "@/lib/api/errors";
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
  const t = useTranslations("apiKeys.created");
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
      <h2 id={`${inputId}-title`}>{t("title", { name: created.name })}</h2>
      <p className="alert warning" role="note">
        {t("warning", { prefix: created.prefix })}
      </p>
      <div className="field">
        <label htmlFor={inputId}>{t("keyLabel")}</label>
        <div className="row">
          <input id={inputId} type="text" readOnly value={created.key} spellCheck={false} onFocus={(e) => e.currentTarget.select()} className="mono" />
          <button type="button" onClick={doCopy}>
            {t("copy")}
          </button>
        </div>
      </div>
      <p aria-live="polite" className="muted">
        {copied === "yes" ? t("copied") : copied === "failed" ? t("copyFailed") : ""}
      </p>
      <p className="muted">
        {t.rich("usage", {
          bearer: () => <code>Authorization: Bearer {created.prefix}…</code>,
          header: () => <code>X-API-Key: {created.prefix}…</code>,
        })}
      </p>
      <button type="button" className="secondary" onClick={onDismiss}>
        {t("dismiss")}
      </button>
    </section>
  );
}

export function ApiKeys({ keys: initial, api, copy = defaultCopy, today }: ApiKeysProps) {
  const t = useTranslations("apiKeys");
  const text = useMessageText();
  const locale = useLocale();
  const calls = useRef<ApiKeysApi | null>(api ?? null);
  const gateway = () => (calls.current ??= browserApiKeysApi());
  const [keys, setKeys] = useState<ApiKey[]>(initial);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["meetings:read", "meetings:write"]);
  const [expiresOn, setExpiresOn] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const [notice, setNotice] = useState<Message | null>(null);
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
      setError(msg("apiKeys.errors.createFailed", { reason: text(describeError(err)) }));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (key: ApiKey) => {
    await gateway().revoke(key.id);
    setKeys((list) => list.filter((k) => k.id !== key.id));
    if (created?.id === key.id) setCreated(null);
    setError(null);
    setNotice(msg("apiKeys.revoked", { name: key.name, prefix: key.prefix }));
  };

  return (
    <>
      {created ? <NewKey created={created} copy={copy} onDismiss={() => setCreated(null)} /> : null}
      <section className="card" aria-labelledby="create-key-title">
        <h2 id="create-key-title">{t("createTitle")}</h2>
        <form onSubmit={create} noValidate>
          <div className="grid-fields">
            <div className="field">
              <label htmlFor={ids.name}>{t("name")}</label>
              <input id={ids.name} type="text" maxLength={100} value={name} placeholder={t("namePlaceholder")} onChange={(e) => setName(e.target.value)} disabled={busy} />
            </div>
            <div className="field">
              <label htmlFor={ids.expiry}>{t("expiresOn")}</label>
              <input id={ids.expiry} type="date" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} disabled={busy} />
            </div>
          </div>
          <fieldset className="scopes" disabled={busy}>
            <legend>{t("permissions")}</legend>
            {SCOPES.map(({ scope, label }) => (
              <label key={scope} className="checkbox">
                <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} />
                <span>
                  <code>{scope}</code> {text(label)}
                </span>
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={busy}>
            {busy ? t("creating") : t("create")}
          </button>
        </form>
        <div aria-live="polite">
          {error ? (
            <p className="alert error" role="alert">
              {text(error)}
            </p>
          ) : null}
          {notice ? (
            <p className="alert success" role="status">
              {text(notice)}
            </p>
          ) : null}
        </div>
      </section>
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">{t("listTitle")}</h2>
        {keys.length === 0 ? (
          <p className="muted">{t("empty")}</p>
        ) : (
          <table className="api-keys">
            <thead>
              <tr>
                <th scope="col">{t("columns.name")}</th>
                <th scope="col">{t("columns.key")}</th>
                <th scope="col">{t("columns.permissions")}</th>
                <th scope="col">{t("columns.created")}</th>
                <th scope="col">{t("columns.lastUsed")}</th>
                <th scope="col">{t("columns.expires")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("columns.actions")}</span>
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
                  <td>{formatDateTime(key.created_at, locale)}</td>
                  <td>{key.last_used_at ? formatDateTime(key.last_used_at, locale) : t("never")}</td>
                  <td>
                    {key.expires_at
                      ? isExpired(key)
                        ? t("expired", { date: formatDateTime(key.expires_at, locale) })
                        : formatDateTime(key.expires_at, locale)
                      : t("never")}
                  </td>
                  <td>
                    <ConfirmButton
                      label={t("revoke.button")}
                      ariaLabel={t("revoke.buttonLabel", { name: key.name })}
                      heading={t("revoke.heading", { name: key.name })}
                      confirmLabel={t("revoke.confirm")}
                      busyLabel={t("revoke.busy")}
                      onConfirm={() => revoke(key)}
                    >
                      {t("revoke.body", { prefix: key.prefix })}
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
