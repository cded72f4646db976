/**
 * Signing in, in classroom mode: learners join their class with its code and a name (and a PIN
 * to come back on another device); instructors give their name and password.
 */

import { useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { navigate } from "../router";
import { createdJobs } from "../run/useJobRun";
import { TextField, focusFirstError } from "../ui/fields";
import { messageOf } from "../ui/states";
import {
  checkJoin,
  checkSignIn,
  type FieldErrors,
  type JoinDraft,
  type JoinField,
  PIN_MAX,
  PIN_MIN,
  placeApiError,
  safeNext,
  type SignInDraft,
  type SignInField,
} from "./forms";
import { type Session, type SignedOutWhy, session } from "./session";

const WHY: Record<SignedOutWhy, string> = {
  required: "This lab is set up for a class. Join yours with the code your instructor gave you.",
  expired:
    "Your session has ended: it was signed out, it expired, or your class ended. Sign in again to go on.",
  "signed-out": "You are signed out.",
};

/**
 * Both forms side by side: what a 401 shows in place of the page (the URL stays, so the page
 * comes back once signed in), and the `/sign-in` page (`next`: where to go after).
 */
export function SignInScreen({ why, next }: { why: SignedOutWhy | null; next?: string | null }) {
  const done = () => {
    if (next !== undefined) navigate(safeNext(next));
  };
  return (
    <div class="sign-in">
      <h1>Sign in to DiveLab</h1>
      {why && (
        <p class={`banner ${why === "expired" ? "banner-warning" : "banner-info"}`} role="status">
          {WHY[why]}
        </p>
      )}
      <div class="sign-in-columns">
        <section class="auth-card" aria-labelledby="join-title">
          <h2 id="join-title">Join your class</h2>
          <p class="muted">For learners: no account needed, only your class's code.</p>
          <JoinForm code="" onDone={done} />
        </section>
        <section class="auth-card" aria-labelledby="instructor-title">
          <h2 id="instructor-title">Instructor sign in</h2>
          <p class="muted">With the name and password set up on the server.</p>
          <InstructorForm onDone={done} />
        </section>
      </div>
    </div>
  );
}

/** `/join/CODE`, a class's invite link: the join form with the code filled in. */
export function JoinPage({ code, next, current }: { code: string; next: string | null; current: Session }) {
  const signedIn = current.state === "signed-in" ? current.me : null;
  return (
    <div class="sign-in sign-in-single">
      <section class="auth-card" aria-labelledby="join-title">
        <h1 id="join-title">Join your class</h1>
        {signedIn && (
          <p class="banner banner-info">
            You are signed in as <strong>{signedIn.name}</strong> ({signedIn.role}). Joining signs you in as a
            learner of this class instead.
          </p>
        )}
        <JoinForm code={code} onDone={() => navigate(safeNext(next))} />
      </section>
      <p class="sign-in-other">
        An instructor?{" "}
        <a href={next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in"}>Sign in here</a>.
      </p>
    </div>
  );
}

const JOIN_IDS: Record<JoinField, string> = { code: "join-code", name: "join-name", pin: "join-pin" };

export function JoinForm({ code, onDone }: { code: string; onDone: () => void }) {
  const [draft, setDraft] = useState<JoinDraft>({ code, name: "", pin: "" });
  const [errors, setErrors] = useState<FieldErrors<JoinField>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const edit = (field: JoinField) => (value: string) => {
    setDraft((before) => ({ ...before, [field]: value }));
    setErrors((before) => ({ ...before, [field]: undefined }));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const checked = checkJoin(draft);
    setErrors(checked.errors);
    setGeneral(null);
    if (!checked.body) return focusFirstError(JOIN_IDS, checked.errors);
    setBusy(true);
    try {
      await session.join(checked.body);
      createdJobs.clear();
      onDone();
    } catch (error) {
      setBusy(false);
      const placed = refusal(error, ["code", "name", "pin"] as const);
      if (error instanceof ApiError && error.status === 404) {
        // the API says "invite code 'X' does not exist": say what to do about it, by the field
        placed.errors.code = `No open class has the code ${checked.body.code}. Check it with your instructor: a code stops working when it is renewed or revoked, or when the class ends.`;
        placed.general = null;
      }
      setErrors(placed.errors);
      setGeneral(placed.general);
      focusFirstError(JOIN_IDS, placed.errors);
    }
  };

  return (
    <form class="auth-form" onSubmit={(event) => void submit(event)} noValidate>
      <TextField
        id={JOIN_IDS.code}
        class="code-input"
        label="Class code"
        value={draft.code}
        onValue={edit("code")}
        error={errors.code}
        help="On the board, or in the invite link: letters and digits, like K7QP2MXD."
        autocomplete="off"
        autocapitalize="characters"
        spellcheck={false}
        maxLength={24}
      />
      <TextField
        id={JOIN_IDS.name}
        label="Your name"
        value={draft.name}
        onValue={edit("name")}
        error={errors.name}
        help="How your instructor will see you in the class."
        autocomplete="nickname"
        autoFocus={code !== ""}
        maxLength={80}
      />
      <TextField
        id={JOIN_IDS.pin}
        type="password"
        inputMode="numeric"
        label={
          <>
            PIN <span class="optional">(optional)</span>
          </>
        }
        value={draft.pin}
        onValue={edit("pin")}
        error={errors.pin}
        help={`${PIN_MIN} to ${PIN_MAX} digits. A PIN lets you come back under this name on another device, or after signing out; without one, your name works only in this browser.`}
        autocomplete="off"
        maxLength={PIN_MAX + 4}
      />
      {general && (
        <p class="form-error" role="alert">
          {general}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Joining…" : "Join class"}
      </button>
    </form>
  );
}

const SIGN_IN_IDS: Record<SignInField, string> = { name: "instructor-name", password: "instructor-password" };

export function InstructorForm({ onDone }: { onDone: () => void }) {
  const [draft, setDraft] = useState<SignInDraft>({ name: "", password: "" });
  const [errors, setErrors] = useState<FieldErrors<SignInField>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const edit = (field: SignInField) => (value: string) => {
    setDraft((before) => ({ ...before, [field]: value }));
    setErrors((before) => ({ ...before, [field]: undefined }));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const checked = checkSignIn(draft);
    setErrors(checked.errors);
    setGeneral(null);
    if (!checked.body) return focusFirstError(SIGN_IN_IDS, checked.errors);
    setBusy(true);
    try {
      await session.signIn(checked.body.name, checked.body.password);
      createdJobs.clear();
      onDone();
    } catch (error) {
      setBusy(false);
      const placed = refusal(error, ["name", "password"] as const);
      setErrors(placed.errors);
      setGeneral(placed.general);
      focusFirstError(SIGN_IN_IDS, placed.errors);
    }
  };

  return (
    <form class="auth-form" onSubmit={(event) => void submit(event)} noValidate>
      <TextField
        id={SIGN_IN_IDS.name}
        label="Name"
        value={draft.name}
        onValue={edit("name")}
        error={errors.name}
        autocomplete="username"
        spellcheck={false}
      />
      <TextField
        id={SIGN_IN_IDS.password}
        type="password"
        label="Password"
        value={draft.password}
        onValue={edit("password")}
        error={errors.password}
        autocomplete="current-password"
      />
      {general && (
        <p class="form-error" role="alert">
          {general}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

/** A refused sign-in, in words: the API's `detail` (wrong password, name taken, wait N s). */
function refusal<K extends string>(error: unknown, fields: readonly K[]) {
  if (error instanceof ApiError && error.status !== 0) return placeApiError(error, fields);
  return { errors: {} as FieldErrors<K>, general: messageOf(error) };
}
