/**
 * Personal API tokens (classroom mode): a script or a notebook uses the API as the signed-in
 * user with one. A new token is shown once; the list has only names and dates.
 */

import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { Me, NewToken, TokenInfo } from "../api/types";
import { ConfirmInline, focusSoon } from "../ui/confirm";
import { CopyButton } from "../ui/copy";
import { NameForm } from "../ui/nameForm";
import { EmptyState, ErrorState, Loading, messageOf, useLoad } from "../ui/states";
import { shortDate } from "./classroom";

export function TokensPage({ me }: { me: Me }) {
  if (me.auth === "none") {
    return (
      <>
        <h1>API tokens</h1>
        <EmptyState title="No tokens needed here.">
          <p>
            This lab runs without sign-in (<code>DIVELAB_AUTH=none</code>): scripts use the API as they are,
            with no token. See the <a href="/docs">API documentation</a>.
          </p>
        </EmptyState>
      </>
    );
  }
  return <Tokens />;
}

function Tokens() {
  const [loaded, retry] = useLoad(() => api.tokens(), []);
  const [tokens, setTokens] = useState<TokenInfo[] | null>(null);
  const [created, setCreated] = useState<NewToken | null>(null);
  useEffect(() => setTokens(loaded.state === "ready" ? loaded.value : null), [loaded]);

  const added = (token: NewToken, name: string) => {
    setCreated(token);
    setTokens((before) => [{ id: token.id, name, created_at: new Date().toISOString() }, ...(before ?? [])]);
  };
  const revoked = (id: string) => {
    setTokens((before) => (before ?? []).filter((token) => token.id !== id));
    if (created?.id === id) setCreated(null);
  };

  return (
    <div class="tokens-page">
      <h1>API tokens</h1>
      <p class="lead">
        A token lets a script or a notebook use the API as you: send it in the header{" "}
        <code>Authorization: Bearer TOKEN</code>. Revoke a token you no longer need, or one that was seen by
        someone else.
      </p>
      <NameForm
        fieldId="token-name"
        what="token"
        needsName="Name the token after where it is used, like “laptop notebook”."
        create={async (name) => added(await api.createToken(name), name)}
      />
      {created && <CreatedToken token={created} onDismiss={() => setCreated(null)} />}
      <section class="panel" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Your tokens</h2>
        {loaded.state === "loading" && <Loading what="your tokens" />}
        {loaded.state === "error" && (
          <ErrorState title="Your tokens could not be loaded." error={loaded.error} onRetry={retry} />
        )}
        {tokens && tokens.length === 0 && (
          <EmptyState title="No tokens yet.">
            <p>Create one above when a script needs to reach the lab as you.</p>
          </EmptyState>
        )}
        {tokens && tokens.length > 0 && <TokenTable tokens={tokens} onRevoked={revoked} />}
      </section>
    </div>
  );
}

/** The secret of a token just made, the only time the API gives it. */
function CreatedToken({ token, onDismiss }: { token: NewToken; onDismiss: () => void }) {
  useEffect(() => document.getElementById("new-token-value")?.focus(), [token.id]);
  return (
    <section class="panel new-token" aria-labelledby="new-token-title">
      <h2 id="new-token-title">Your new token</h2>
      <p class="banner banner-warning" role="status">
        <strong>Copy it now: it will not be shown again.</strong> Keep it like a password; anyone with it can
        use the lab as you.
      </p>
      <div class="copy-row">
        <input
          id="new-token-value"
          class="token-value"
          readOnly
          value={token.token}
          aria-label="The new token"
          onFocus={(event) => event.currentTarget.select()}
        />
        <CopyButton text={token.token} targetId="new-token-value" label="Copy token" />
      </div>
      <p class="help">
        For example:{" "}
        <code>
          curl -H "Authorization: Bearer {token.token.slice(0, 6)}…" {location.origin}/api/jobs
        </code>
      </p>
      <button type="button" onClick={onDismiss}>
        I have copied it
      </button>
    </section>
  );
}

function TokenTable({ tokens, onRevoked }: { tokens: TokenInfo[]; onRevoked: (id: string) => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const revoke = async (id: string) => {
    setBusy(id);
    setError(null);
    try {
      await api.revokeToken(id);
      setConfirming(null);
      onRevoked(id);
    } catch (problem) {
      setError(`The token could not be revoked: ${messageOf(problem)}`);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <table class="tokens-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => {
            const label = token.name ?? "unnamed token";
            return (
              <tr key={token.id} data-token={token.id}>
                <td>{label}</td>
                <td>{shortDate(new Date(token.created_at))}</td>
                <td class="row-actions">
                  {confirming === token.id ? (
                    <ConfirmInline
                      question={`Revoke “${label}”? Scripts using it stop working.`}
                      confirm={busy === token.id ? "Revoking…" : "Revoke"}
                      disabled={busy !== null}
                      onConfirm={() => void revoke(token.id)}
                      onCancel={() => {
                        setConfirming(null);
                        focusSoon(`revoke-${token.id}`);
                      }}
                    />
                  ) : (
                    <button
                      type="button"
                      id={`revoke-${token.id}`}
                      aria-label={`Revoke ${label}`}
                      onClick={() => setConfirming(token.id)}
                      disabled={busy !== null}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
