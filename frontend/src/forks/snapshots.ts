/** Which saved step a fork starts from, and the params in force there. Pure. */

import type { JobStatus, Params } from "../api/types";
import type { ParamsVersion } from "../run/jobRun";

/** The snapshot a fork "after `step`" starts from: the newest at or before it (null: none). */
export function snapshotAtOrBefore(steps: readonly number[], step: number): number | null {
  let found: number | null = null;
  for (const saved of steps) if (saved <= step && (found === null || saved > found)) found = saved;
  return found;
}

/**
 * The snapshot a click on the chart at `step` means: one within `slack` steps of it (the
 * marker the pointer is on, even just left of it), else the newest before it.
 */
export function pickSnapshot(steps: readonly number[], step: number, slack = 0): number | null {
  let near: number | null = null;
  for (const saved of steps) {
    const distance = Math.abs(saved - step);
    if (distance <= slack && (near === null || distance < Math.abs(near - step))) near = saved;
  }
  return near ?? snapshotAtOrBefore(steps, step);
}

export function lastSnapshot(steps: readonly number[]): number | null {
  return steps.length ? Math.max(...steps) : null;
}

/** The params in force after `step` (null: now): the newest version reported at or before it. */
export function paramsInForce(
  versions: readonly ParamsVersion[],
  step: number | null,
  fallback: Params,
): Params {
  if (step === null) return versions.at(-1)?.params ?? fallback;
  let found: Params | null = null;
  for (const version of versions) if (version.step <= step) found = version.params;
  return found ?? versions[0]?.params ?? fallback;
}

/** Why there is nothing to fork from at `picked` (null: the run has no snapshot at all), and when there will be. */
export function noSnapshotMessage(
  status: JobStatus,
  every: number,
  steps: readonly number[],
  picked: number | null,
): string {
  if (steps.length && picked !== null) {
    return `No step at or before step ${picked} was saved: the first saved step is ${Math.min(...steps)}.`;
  }
  if (status === "queued") {
    return (
      "This run has not started: it saves its training state once it does, then every " +
      `${every} steps and at its end.`
    );
  }
  if (status === "running") {
    return (
      `No step of this run is saved yet: it saves its training state when it starts, every ${every} ` +
      "steps and at its end. Fork now forks it at its next step."
    );
  }
  return (
    "This run saved no training state to fork from: it ended before its first snapshot, or this " +
    "kind of run keeps none (a sweep)."
  );
}
