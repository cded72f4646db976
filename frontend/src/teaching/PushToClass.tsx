/**
 * An instructor's "Push to class" on a demo's page: the form's values go to every learner's
 * form in the class they pick (and, if asked, a run starts for each of them).
 */

import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { ClassInfo, Demo, Params, PresetOutcome } from "../api/types";
import { useSession } from "../auth/session";
import { messageOf, useLoad } from "../ui/states";

interface Props {
  demo: Demo;
  /** The form's values: what is pushed. */
  params: Params;
}

/** The toggle (next to Train) and its panel; nothing for anyone but an instructor with a class going on. */
export function PushToClass({ demo, params }: Props) {
  const current = useSession();
  const instructor = current.state === "signed-in" && current.me.role === "instructor";
  const [classes, retry] = useLoad(() => (instructor ? api.classes() : Promise.resolve([])), [instructor]);
  const [open, setOpen] = useState(false);
  const going = classes.state === "ready" ? classes.value.filter((cls) => !cls.ended) : [];
  if (!instructor || classes.state === "loading" || (classes.state === "ready" && going.length === 0))
    return null;
  return (
    <>
      <button
        type="button"
        class="push-toggle"
        aria-expanded={open}
        aria-controls="push-panel"
        onClick={() => setOpen(!open)}
      >
        Push to class…
      </button>
      {open && (
        <div id="push-panel" class="push-panel" role="group" aria-labelledby="push-title">
          <p id="push-title" class="push-title">
            Push these settings to a class
          </p>
          {classes.state === "error" ? (
            <div class="form-error" role="alert">
              <p>Your classes could not be loaded: {messageOf(classes.error)}</p>
              <button type="button" onClick={retry}>
                Try again
              </button>
            </div>
          ) : (
            <PushForm demo={demo} params={params} classes={going} />
          )}
        </div>
      )}
    </>
  );
}

function PushForm({ demo, params, classes }: Props & { classes: ClassInfo[] }) {
  const [classId, setClassId] = useState(classes[0].id);
  const [start, setStart] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{
    className: string;
    result: PresetOutcome;
    started: boolean;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const chosen = classes.find((cls) => cls.id === classId) ?? classes[0];

  const push = async () => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const result = await api.pushPreset(chosen.id, demo.id, params, start);
      setOutcome({ className: chosen.name, result, started: start });
    } catch (problem) {
      setError(`The settings were not pushed: ${messageOf(problem)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div class="field">
        <label for="push-class">Class</label>
        <select id="push-class" value={chosen.id} onChange={(event) => setClassId(event.currentTarget.value)}>
          {classes.map((cls) => (
            <option key={cls.id} value={cls.id}>
              {cls.name}
            </option>
          ))}
        </select>
      </div>
      <label class="push-start">
        <input type="checkbox" checked={start} onChange={(event) => setStart(event.currentTarget.checked)} />
        Also start it for everyone
      </label>
      <p class="help">
        Each learner's form fills with these settings within seconds; they press Train. Started runs count
        against each learner's limits.
      </p>
      <button type="button" class="primary" onClick={() => void push()} disabled={busy}>
        {busy ? "Pushing…" : start ? "Push and start" : "Push"}
      </button>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div role="status" class="push-outcome" data-testid="push-outcome">
        {outcome && <Outcome {...outcome} />}
      </div>
    </>
  );
}

function Outcome({
  className,
  result,
  started,
}: {
  className: string;
  result: PresetOutcome;
  started: boolean;
}) {
  const runs = result.started.length;
  return (
    <>
      <p class="form-ok">
        Pushed to {className}.{started && ` Started ${runs === 1 ? "1 run" : `${runs} runs`}.`}
      </p>
      {result.refused.length > 0 && (
        <>
          <p class="push-refused-title">Not started for:</p>
          <ul class="push-refused">
            {result.refused.map((refusal) => (
              <li key={refusal.learner}>
                <strong>{refusal.learner}</strong>: {refusal.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
