/**
 * An instructor's classes (classroom mode): create one, share its invite (a link, and a code
 * big enough for the board), renew or revoke it, add a roster, remove learners, open the live
 * grid, stop every run, end the class.
 */

import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import type { ClassDetail, ClassInfo, Me } from "../api/types";
import { NAME_MAX, rosterNames, rosterProblems } from "../auth/forms";
import { navigate } from "../router";
import { ConfirmInline, focusSoon } from "../ui/confirm";
import { CopyButton } from "../ui/copy";
import { NameForm } from "../ui/nameForm";
import { EmptyState, ErrorState, Loading, messageOf, useLoad } from "../ui/states";
import {
  describeInvite,
  inviteLink,
  inviteState,
  type InviteState,
  shortDate,
  spacedCode,
} from "./classroom";

const ROSTER_MAX = 200;

/** Who may see the classes pages; what to show instead for anyone else. */
export function NotForYou({ me }: { me: Me }) {
  return (
    <>
      <h1>Classes</h1>
      {me.auth === "none" ? (
        <EmptyState title="This lab has no classes.">
          <p>
            It runs without sign-in (<code>DIVELAB_AUTH=none</code>): everyone uses it as the one local user.
            To teach a class, start the server with <code>DIVELAB_AUTH=classroom</code>.
          </p>
        </EmptyState>
      ) : (
        <EmptyState title="Classes are for instructors.">
          <p>
            You are signed in as a learner. <a href="/">Back to the catalogue</a>.
          </p>
        </EmptyState>
      )}
    </>
  );
}

export function ClassesPage({ me }: { me: Me }) {
  if (me.role !== "instructor") return <NotForYou me={me} />;
  return <ClassList />;
}

function ClassList() {
  const [classes, retry] = useLoad(() => api.classes(), []);
  const now = new Date();
  return (
    <div class="classes-page">
      <h1>Classes</h1>
      <p class="lead">
        Each class has an invite: learners open its link, or type its code, and choose a name. Their runs are
        theirs; you see all of them.
      </p>
      <NameForm
        fieldId="class-name"
        what="class"
        needsName="Give the class a name, like “Deep learning, spring term”."
        create={async (name) => navigate(`/classes/${encodeURIComponent((await api.createClass(name)).id)}`)}
      />
      <section class="panel" aria-labelledby="your-classes">
        <h2 id="your-classes">Your classes</h2>
        {classes.state === "loading" && <Loading what="your classes" />}
        {classes.state === "error" && (
          <ErrorState title="Your classes could not be loaded." error={classes.error} onRetry={retry} />
        )}
        {classes.state === "ready" && classes.value.length === 0 && (
          <EmptyState title="No classes yet.">
            <p>Create one above: you get an invite link and a code to share with your learners.</p>
          </EmptyState>
        )}
        {classes.state === "ready" && classes.value.length > 0 && (
          <table class="classes-table">
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col">Invite code</th>
                <th scope="col">Invite</th>
                <th scope="col">
                  <span class="visually-hidden">Live grid</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {classes.value.map((cls) => (
                <tr key={cls.id}>
                  <td>
                    <a href={`/classes/${encodeURIComponent(cls.id)}`}>{cls.name}</a>
                  </td>
                  <td>{cls.code ? <code class="code-cell">{spacedCode(cls.code)}</code> : "—"}</td>
                  <td>
                    <InviteBadge state={inviteState(cls, now)} />{" "}
                    {inviteState(cls, now) === "open" && (
                      <span class="muted">until {shortDate(new Date(cls.expires_at))}</span>
                    )}
                  </td>
                  <td class="row-actions">
                    <a href={gridLink(cls.id)} aria-label={`Live grid of ${cls.name}`}>
                      Live grid
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

const INVITE_WORDS: Record<InviteState, string> = {
  open: "open",
  expired: "expired",
  revoked: "revoked",
  ended: "class ended",
};

function InviteBadge({ state }: { state: InviteState }) {
  return <span class={`badge badge-invite-${state}`}>{INVITE_WORDS[state]}</span>;
}

/** One class: its invite, its learners, its roster, its end. */
export function ClassPage({ me, classId }: { me: Me; classId: string }) {
  if (me.role !== "instructor") return <NotForYou me={me} />;
  return <ClassView classId={classId} />;
}

function ClassView({ classId }: { classId: string }) {
  const [loaded, retry] = useLoad(() => api.classDetail(classId), [classId]);
  const [detail, setDetail] = useState<ClassDetail | null>(null);
  useEffect(() => setDetail(loaded.state === "ready" ? loaded.value : null), [loaded]);

  const breadcrumb = (
    <nav aria-label="Breadcrumb" class="breadcrumb">
      <a href="/classes">Classes</a> › <span>{detail?.name ?? "Class"}</span>
    </nav>
  );
  if (loaded.state === "loading" || (loaded.state === "ready" && !detail))
    return <Loading what="the class" />;
  if (loaded.state === "error" || !detail) {
    const missing =
      loaded.state === "error" && loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <>
        {breadcrumb}
        <h1>{missing ? "No such class" : "Class"}</h1>
        <ErrorState
          title={missing ? "This class does not exist, or is not yours." : "The class could not be loaded."}
          error={loaded.state === "error" ? loaded.error : "Unknown error"}
          onRetry={missing ? undefined : retry}
        />
      </>
    );
  }
  // a change to the class (renew, revoke, end) answers with the class without its learners
  const changed = (cls: ClassInfo) => setDetail((before) => (before ? { ...before, ...cls } : before));
  return (
    <div class="class-page">
      {breadcrumb}
      <h1>
        {detail.name} {detail.ended && <span class="badge badge-invite-ended">ended</span>}
      </h1>
      <div class="class-columns">
        <InvitePanel cls={detail} onChange={changed} />
        <div class="class-side">
          <LearnersPanel detail={detail} onChange={setDetail} />
          {!detail.ended && <RosterPanel classId={detail.id} onChange={setDetail} />}
        </div>
      </div>
      <TeachingPanel cls={detail} onChange={changed} />
      {!detail.ended && <EndPanel cls={detail} onChange={changed} />}
    </div>
  );
}

/** Runs one change at a time, with its error in words. */
function useAction() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: string, action: () => Promise<void>) => {
    if (busy) return;
    setBusy(what);
    setError(null);
    try {
      await action();
    } catch (problem) {
      setError(messageOf(problem));
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, run };
}

function ActionError({ error }: { error: string | null }) {
  return error ? (
    <p class="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

function InvitePanel({ cls, onChange }: { cls: ClassDetail; onChange: (cls: ClassInfo) => void }) {
  const { busy, error, run } = useAction();
  const state = inviteState(cls, new Date());
  const link = inviteLink(cls, location.origin);
  const renew = () => run("renew", async () => onChange(await api.renewInvite(cls.id)));
  const revoke = () => run("revoke", async () => onChange(await api.revokeInvite(cls.id)));
  return (
    <section class="panel invite-panel" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite</h2>
      {state === "open" && link && cls.code && (
        <>
          <p class="invite-label">Learners join at</p>
          <div class="copy-row">
            <input
              id="invite-link"
              class="invite-link"
              readOnly
              value={link}
              aria-label="Invite link"
              onFocus={(event) => event.currentTarget.select()}
            />
            <CopyButton text={link} targetId="invite-link" label="Copy link" />
          </div>
          <p class="invite-label">or with the code</p>
          <div class="copy-row">
            <p class="invite-code" id="invite-code" data-code={cls.code}>
              {spacedCode(cls.code)}
            </p>
            <CopyButton text={cls.code} label="Copy code" />
          </div>
        </>
      )}
      <p class={state === "open" ? "muted" : "banner banner-warning"} data-testid="invite-state">
        {describeInvite(cls, new Date())}
      </p>
      {!cls.ended && (
        <div class="button-row">
          <button type="button" onClick={() => void renew()} disabled={busy !== null}>
            {busy === "renew" ? "Creating…" : state === "open" ? "New code" : "New invite"}
          </button>
          {state === "open" && (
            <button type="button" onClick={() => void revoke()} disabled={busy !== null}>
              {busy === "revoke" ? "Revoking…" : "Revoke invite"}
            </button>
          )}
        </div>
      )}
      {state === "open" && !cls.ended && (
        <p class="help">
          A new code replaces this one: the old code and link stop working. Signed-in learners stay.
        </p>
      )}
      <ActionError error={error} />
    </section>
  );
}

function LearnersPanel({
  detail,
  onChange,
}: {
  detail: ClassDetail;
  onChange: (detail: ClassDetail) => void;
}) {
  const { busy, error, run } = useAction();
  const [confirming, setConfirming] = useState<string | null>(null);
  const remove = (learnerId: string) =>
    run(learnerId, async () => {
      await api.removeLearner(detail.id, learnerId);
      setConfirming(null);
      onChange({ ...detail, learners: detail.learners.filter((learner) => learner.id !== learnerId) });
    });
  return (
    <section class="panel" aria-labelledby="learners-title">
      <h2 id="learners-title">
        Learners <span class="count">({detail.learners.length})</span>
      </h2>
      {detail.learners.length === 0 ? (
        <EmptyState title="Nobody has joined yet.">
          <p>
            {detail.ended
              ? "This class ended before anyone joined."
              : "Share the invite link or code, or add a roster below: learners appear here as they join."}
          </p>
        </EmptyState>
      ) : (
        <table class="learners-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">PIN</th>
              {!detail.ended && (
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {detail.learners.map((learner) => (
              <tr key={learner.id} data-learner={learner.name}>
                <td>{learner.name}</td>
                <td>{learner.has_pin ? "set" : <span class="muted">none</span>}</td>
                {!detail.ended && (
                  <td class="row-actions">
                    {confirming === learner.id ? (
                      <ConfirmInline
                        question={`Remove ${learner.name}? They are signed out at once.`}
                        confirm={busy === learner.id ? "Removing…" : "Remove"}
                        disabled={busy !== null}
                        onConfirm={() => void remove(learner.id)}
                        onCancel={() => {
                          setConfirming(null);
                          focusSoon(`remove-${learner.id}`);
                        }}
                      />
                    ) : (
                      <button
                        type="button"
                        id={`remove-${learner.id}`}
                        aria-label={`Remove ${learner.name}`}
                        onClick={() => setConfirming(learner.id)}
                        disabled={busy !== null}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ActionError error={error} />
    </section>
  );
}

function RosterPanel({ classId, onChange }: { classId: string; onChange: (detail: ClassDetail) => void }) {
  const [text, setText] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const names = rosterNames(text);
    const tooLong = rosterProblems(names);
    setMessage(null);
    if (names.length === 0) return setProblem("Paste or type the learners' names, one a line.");
    if (names.length > ROSTER_MAX) return setProblem(`At most ${ROSTER_MAX} names at once.`);
    if (tooLong.length)
      return setProblem(
        `Names are at most ${NAME_MAX} characters: shorten ${tooLong.map((n) => `“${n}”`).join(", ")}.`,
      );
    setBusy(true);
    setProblem(null);
    try {
      const detail = await api.addRoster(classId, names);
      onChange(detail);
      setText("");
      setMessage(
        `${names.length === 1 ? "1 name" : `${names.length} names`} added (names already in the class stay as they are).`,
      );
    } catch (error) {
      setProblem(messageOf(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="roster-title">
      <h2 id="roster-title">Add a roster</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div class="field">
          <label for="roster-names">Names, one per line</label>
          <textarea
            id="roster-names"
            rows={5}
            value={text}
            aria-describedby="roster-help"
            aria-invalid={problem ? "true" : undefined}
            onInput={(event) => {
              setText(event.currentTarget.value);
              setProblem(null);
            }}
          />
          <p id="roster-help" class="help">
            Learners then join with the code and their name exactly as written here, and may set a PIN the
            first time.
          </p>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Adding…" : "Add to class"}
        </button>
        {problem && (
          <p class="form-error" role="alert">
            {problem}
          </p>
        )}
        {message && (
          <p class="form-ok" role="status">
            {message}
          </p>
        )}
      </form>
    </section>
  );
}

const gridLink = (classId: string) => `/classes/${encodeURIComponent(classId)}/grid`;

/** While teaching: watch everyone's runs live, or stop them all (a demo that runs too long). */
function TeachingPanel({ cls, onChange }: { cls: ClassDetail; onChange: (cls: ClassInfo) => void }) {
  const { busy, error, run } = useAction();
  const withdraw = () =>
    run("withdraw", async () => {
      await api.withdrawPreset(cls.id);
      onChange({ ...cls, preset: null });
    });
  const [confirming, setConfirming] = useState(false);
  const [stopped, setStopped] = useState<number | null>(null);
  const stopAll = () =>
    run("stop", async () => {
      setStopped(null);
      setStopped((await api.stopAll(cls.id)).cancelled);
      setConfirming(false);
      focusSoon("stop-all");
    });
  return (
    <section class="panel teaching-panel" aria-labelledby="teaching-title">
      <h2 id="teaching-title">During class</h2>
      <p>
        The live grid shows every learner's newest run of a demo as it trains. To put settings in every
        learner's form, open the demo and use <strong>Push to class</strong> next to Train.
      </p>
      <div class="button-row">
        <a class="button-link" href={gridLink(cls.id)}>
          Live grid
        </a>
        {confirming ? (
          <ConfirmInline
            question={`Stop every waiting and running run of “${cls.name}”?`}
            confirm={busy ? "Stopping…" : "Stop all runs"}
            disabled={busy !== null}
            onConfirm={() => void stopAll()}
            onCancel={() => {
              setConfirming(false);
              focusSoon("stop-all");
            }}
          />
        ) : (
          <button type="button" id="stop-all" class="danger" onClick={() => setConfirming(true)}>
            Stop all runs…
          </button>
        )}
      </div>
      {cls.preset && (
        <p class="pushed-preset-line">
          Pushed to the learners' forms:{" "}
          <a href={`/demos/${encodeURIComponent(cls.preset.demo)}`}>{cls.preset.demo}</a>, at{" "}
          {new Date(cls.preset.pushed_at).toLocaleTimeString()}.{" "}
          <button type="button" disabled={busy !== null} onClick={() => void withdraw()}>
            {busy === "withdraw" ? "Withdrawing…" : "Withdraw"}
          </button>
        </p>
      )}
      <p role="status" class="form-ok">
        {stopped !== null &&
          (stopped === 0
            ? "No run was waiting or running."
            : `Stopped ${stopped === 1 ? "1 run" : `${stopped} runs`}.`)}
      </p>
      <ActionError error={error} />
    </section>
  );
}

function EndPanel({ cls, onChange }: { cls: ClassDetail; onChange: (cls: ClassInfo) => void }) {
  const { busy, error, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const end = () =>
    run("end", async () => {
      onChange(await api.endClass(cls.id));
      setConfirming(false);
    });
  return (
    <section class="panel danger-zone" aria-labelledby="end-title">
      <h2 id="end-title">End the class</h2>
      <p>
        Its invite stops working and its learners are signed out, their tokens revoked. This cannot be undone.
      </p>
      {confirming ? (
        <ConfirmInline
          question={`End “${cls.name}” for all ${cls.learners.length} learners?`}
          confirm={busy ? "Ending…" : "End the class"}
          disabled={busy !== null}
          onConfirm={() => void end()}
          onCancel={() => {
            setConfirming(false);
            focusSoon("end-class");
          }}
        />
      ) : (
        <button type="button" id="end-class" class="danger" onClick={() => setConfirming(true)}>
          End class…
        </button>
      )}
      <ActionError error={error} />
    </section>
  );
}
