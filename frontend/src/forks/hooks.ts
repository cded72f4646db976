/** The hooks of the fork UI: a run's snapshots kept fresh, and the curves of a fork's parent. */

import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import { type Job, type SnapshotList, isActive } from "../api/types";
import type { JobRun } from "../run/jobRun";
import type { XYSeries } from "../run/series";
import type { Loaded } from "../ui/states";
import { type ParentCurves, Watched, curvesOf } from "./branch";

/** While a run trains it gains a snapshot every so many steps: ask at most this often. */
const SNAPSHOTS_REFRESH_MS = 3000;
/** While a fork's parent still trains, its curves grow: fetch them again this often. */
const PARENT_REFRESH_MS = 5000;
/** Points per parent curve; the server keeps each bin's min and max. */
const PARENT_POINTS = 2000;

export interface Snapshots {
  list: Loaded<SnapshotList>;
  /** The saved steps, for the chart's markers. */
  steps: Watched<readonly number[]>;
  reload: () => void;
}

/** The run's snapshots: asked at once, again as it reports new steps (at most every few seconds), and when it ends. */
export function useSnapshots(jobId: string, run: JobRun): Snapshots {
  const steps = useMemo(() => new Watched<readonly number[]>([]), [jobId]);
  const [list, setList] = useState<Loaded<SnapshotList>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let alive = true;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = () => {
      last = Date.now();
      api.snapshots(jobId).then(
        (value) => {
          if (!alive) return;
          setList({ state: "ready", value });
          steps.set(value.snapshots.map((snapshot) => snapshot.step));
        },
        // a failed refresh keeps what was shown; only a first failure is said
        (error: unknown) =>
          alive && setList((shown) => (shown.state === "ready" ? shown : { state: "error", error })),
      );
    };
    const soon = () => {
      if (timer !== null) return;
      timer = setTimeout(
        () => {
          timer = null;
          load();
        },
        Math.max(0, last + SNAPSHOTS_REFRESH_MS - Date.now()),
      );
    };
    let [seenStep, seenStatus] = [run.lastStep, run.status];
    load();
    const stop = run.subscribe(() => {
      if (run.lastStep === seenStep && run.status === seenStatus) return;
      const ended = isActive(seenStatus) && !isActive(run.status);
      [seenStep, seenStatus] = [run.lastStep, run.status];
      if (ended) {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        load(); // its last step's snapshot
      } else if (isActive(run.status)) {
        soon();
      }
    });
    return () => {
      alive = false;
      stop();
      if (timer !== null) clearTimeout(timer);
    };
  }, [jobId, run, attempt]);
  return { list, steps, reload: () => setAttempt((n) => n + 1) };
}

/** The value of a Watched, re-rendering when it is set. */
export function useWatched<T>(watched: Watched<T>): T {
  const [value, setValue] = useState(watched.value);
  useEffect(() => {
    setValue(watched.value);
    return watched.subscribe(() => setValue(watched.value));
  }, [watched]);
  return value;
}

export type ParentState = "none" | "loading" | "ready" | "gone" | "error";

/** A fork's parent's curves (empty for a run that is no fork), fetched again while the parent trains. */
export function useParentCurves(job: Job): { curves: ParentCurves; state: ParentState } {
  const curves = useMemo(() => new Watched(new Map<string, XYSeries>()), [job.id]);
  const [state, setState] = useState<ParentState>(job.parent_id ? "loading" : "none");
  useEffect(() => {
    const parentId = job.parent_id;
    if (!parentId) return setState("none");
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = () =>
      Promise.all([api.job(parentId), api.metrics(parentId, PARENT_POINTS)]).then(
        ([parent, metrics]) => {
          if (!alive) return;
          curves.set(curvesOf(metrics));
          setState("ready");
          if (isActive(parent.status)) timer = setTimeout(load, PARENT_REFRESH_MS);
        },
        (error: unknown) => {
          if (!alive) return;
          const failed = error instanceof ApiError && error.status === 404 ? "gone" : "error";
          setState((shown) => (shown === "ready" ? shown : failed)); // a failed refresh keeps the curves
        },
      );
    void load();
    return () => {
      alive = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [job.id, job.parent_id]);
  return { curves, state };
}
