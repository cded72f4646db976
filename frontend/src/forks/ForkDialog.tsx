/**
 * The fork dialog: the params form prefilled with the params in force at the chosen step, the
 * fields a fork may not change locked, and "Start the fork", which opens the new run's page.
 */

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import { type Job, type Params, type SnapshotList, isActive } from "../api/types";
import { type PlacedErrors, placeErrors } from "../form/errors";
import { ParamsForm } from "../form/ParamsForm";
import type { FieldSpec } from "../form/schema";
import { setAt } from "../form/values";
import { navigate } from "../router";
import type { JobRun } from "../run/jobRun";
import type { Path } from "../run/paramDiff";
import { createdJobs, useRunValue } from "../run/useJobRun";
import { ErrorState, Loading, messageOf } from "../ui/states";
import { forkChanges, splitForkFields } from "./forkForm";
import type { Snapshots } from "./hooks";
import { noSnapshotMessage, paramsInForce } from "./snapshots";

/** What opened the dialog: "Fork now" (the run's next step), or a step (a click, "Fork…"). */
export type ForkRequest =
  | { kind: "now" }
  /** `step`: the snapshot to start from (null: none at or before `picked`); `picked`: the step asked for. */
  | { kind: "step"; step: number | null; picked: number | null };

const NO_ERRORS: PlacedErrors = { byField: new Map(), general: [] };
export const FIXED_HINT = "Fixed for a fork: shapes the model or the data";

interface Props {
  job: Job;
  run: JobRun;
  fields: FieldSpec[];
  snapshots: Snapshots;
  request: ForkRequest;
  /** Closed (cancelled, or the fork started): focus goes back where it was. */
  onClose: () => void;
}

export function ForkDialog({ job, run, fields, snapshots, request, onClose }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = dialogRef.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    focusFirstIn(dialog);
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  const list = snapshots.list;
  return (
    <dialog
      ref={dialogRef}
      class="fork-dialog"
      aria-labelledby="fork-dialog-title"
      onClose={onClose} // Escape closes it too
    >
      <h2 id="fork-dialog-title">
        Fork run <code>{job.id}</code>
      </h2>
      {list.state === "loading" && <Loading what="the saved steps" />}
      {list.state === "error" && (
        <>
          <ErrorState
            title="The saved steps could not be loaded."
            error={list.error}
            onRetry={snapshots.reload}
          />
          <CloseOnly onClose={onClose} />
        </>
      )}
      {list.state === "ready" && (
        <ForkForm job={job} run={run} fields={fields} list={list.value} request={request} onClose={onClose} />
      )}
    </dialog>
  );
}

/** Focus the first setting a fork may change, else the first control of the dialog. */
function focusFirstIn(dialog: Element | null): void {
  const candidates = [
    '.fork-open :is(input:not([type="range"]), select, textarea):not(:disabled)',
    ".fork-start select",
    ".fork-actions button",
    ".error-state button",
  ];
  for (const selector of candidates) {
    const found = dialog?.querySelector<HTMLElement>(selector);
    if (found) return found.focus();
  }
}

function CloseOnly({ onClose }: { onClose: () => void }) {
  return (
    <div class="fork-actions">
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

function ForkForm({
  job,
  run,
  fields,
  list,
  request,
  onClose,
}: {
  job: Job;
  run: JobRun;
  fields: FieldSpec[];
  list: SnapshotList;
  request: ForkRequest;
  onClose: () => void;
}) {
  const steps = list.snapshots.map((snapshot) => snapshot.step);
  const status = useRunValue(run, (r) => r.status, job.status);
  const [step, setStep] = useState<number | null>(request.kind === "step" ? request.step : null);
  // the params in force at the step (now: the newest), the learner's changes on top
  const versions = useRunValue(run, (r) => r.paramsVersions.length, 0);
  const base = useMemo(
    () => paramsInForce(run.paramsVersions, request.kind === "now" ? null : step, job.params),
    [step, versions],
  );
  const [changes, setChanges] = useState<Params>({});
  const value = useMemo(() => ({ ...base, ...changes }), [base, changes]);
  const { open, fixed } = useMemo(() => splitForkFields(fields, list.forkable_params), [fields, list]);
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [problem, setProblem] = useState<{ message: string; firstStep: number | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const empty = request.kind === "step" && step === null;
  // once the saved steps are in, and when "Fork after step S instead" brings the form
  useEffect(() => focusFirstIn(document.querySelector("dialog.fork-dialog")), [empty]);

  if (empty) {
    return (
      <>
        <p class="fork-where">
          {request.picked === null ? "Fork after its last step" : `Fork after step ${request.picked}`}
        </p>
        <div class="empty-state" role="note">
          <p class="empty-title">Nothing saved to fork from there.</p>
          <p class="empty-body">{noSnapshotMessage(status, list.every, steps, request.picked)}</p>
        </div>
        <div class="fork-actions">
          {steps.length > 0 && (
            <button type="button" class="primary" onClick={() => setStep(Math.min(...steps))}>
              Fork after step {Math.min(...steps)} instead
            </button>
          )}
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </>
    );
  }

  const onChange = (path: Path, next: unknown) => {
    setChanges(forkChanges(base, setAt(value, path, next)));
    setProblem(null);
  };

  const submit = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const fork = await api.fork(job.id, { step: request.kind === "now" ? null : step, params: changes });
      createdJobs.set(fork.id, fork);
      onClose();
      navigate(`/jobs/${encodeURIComponent(fork.id)}`);
    } catch (error) {
      const placed =
        error instanceof ApiError && error.issues.length
          ? placeErrors(error.issues, ["body", "params"], fields)
          : NO_ERRORS;
      setErrors(placed);
      if (error instanceof ApiError && error.issues.length) {
        setProblem(
          placed.general.length
            ? { message: placed.general.join(" "), firstStep: null }
            : {
                message: "Some settings cannot be used for this fork: see the messages next to them.",
                firstStep: null,
              },
        );
      } else {
        setProblem({ message: forkErrorMessage(error), firstStep: firstStepOf(error) });
      }
    } finally {
      setBusy(false);
    }
  };

  const context = { value, onChange, running: false, errors: errors.byField };
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (!busy) void submit();
      }}
    >
      <p class="fork-where">
        {request.kind === "step"
          ? `Fork after step ${step}`
          : isActive(status)
            ? "Fork now: at the run's next step"
            : `Fork after its last step${steps.length ? `, ${Math.max(...steps)}` : ""}`}
      </p>
      {request.kind === "step" && steps.length > 1 && (
        <div class="field fork-start">
          <label for="fork-dialog-step">Start from the state saved after step</label>
          <select
            id="fork-dialog-step"
            value={String(step)}
            onChange={(event) => {
              setStep(Number(event.currentTarget.value));
              setProblem(null);
            }}
          >
            {steps.map((saved) => (
              <option key={saved} value={String(saved)}>
                {saved}
              </option>
            ))}
          </select>
        </div>
      )}
      <p class="help">
        The fork is a new run that continues this one from there: the same model, optimizer and order of the
        data, with the settings below. This run goes on unchanged.
      </p>
      {problem && (
        <div class="form-error" role="alert" data-testid="fork-error">
          <p>{problem.message}</p>
          {problem.firstStep !== null && request.kind === "step" && (
            <button type="button" onClick={() => setStep(problem.firstStep)}>
              Fork after step {problem.firstStep} instead
            </button>
          )}
        </div>
      )}
      <section class="fork-open" aria-labelledby="fork-dialog-open">
        <h3 id="fork-dialog-open">Settings a fork may change</h3>
        <ParamsForm idPrefix="fork" fields={open} context={context} />
      </section>
      {fixed.length > 0 && (
        <fieldset class="fork-fixed" disabled aria-describedby="fork-dialog-fixed-hint">
          <legend>{FIXED_HINT}</legend>
          <p id="fork-dialog-fixed-hint" class="help">
            The saved state holds a model of this shape, trained on these data. To change them, start a new
            run.
          </p>
          <ParamsForm idPrefix="fork" fields={fixed} context={context} />
        </fieldset>
      )}
      <div class="fork-actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? (request.kind === "now" ? "Waiting for the next step…" : "Forking…") : "Start the fork"}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** What went wrong, said for the learner; a 429 says when to try again. */
export function forkErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return `The fork could not start: ${messageOf(error)}`;
  if (error.status === 429) {
    const wait =
      error.retryAfter === null ? "" : ` Try again in ${Math.max(1, Math.ceil(error.retryAfter))} s.`;
    return `${error.message}${wait}`;
  }
  if (error.status === 404) return `This run is not there any more: ${error.message}`;
  if (error.status === 409) return error.message;
  return `The fork could not start: ${messageOf(error)}`;
}

function firstStepOf(error: unknown): number | null {
  const step = error instanceof ApiError ? error.extra.first_step : undefined;
  return typeof step === "number" ? step : null;
}
