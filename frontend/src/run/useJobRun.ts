/** Hooks that attach a view to a job: its REST record, its event stream, its live state. */

import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import { websocketUrl } from "../api/settings";
import type { Job } from "../api/types";
import { JobRun } from "./jobRun";
import { JobStream, type StreamState } from "./jobStream";

export interface AttachedJob {
  job: Job;
  run: JobRun;
}

export type Attachment =
  | { state: "none" }
  | { state: "loading"; jobId: string }
  | { state: "error"; jobId: string; error: unknown }
  | { state: "ready"; attached: AttachedJob; stream: StreamState };

/** Jobs this page created: shown without asking the server for them again. */
export const createdJobs = new Map<string, Job>();

/** The job's record, then its events from seq 1 (a replay when it has finished), kept live. */
export function useJobRun(jobId: string | null): [Attachment, () => void] {
  const [attachment, setAttachment] = useState<Attachment>({ state: "none" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!jobId) return setAttachment({ state: "none" });
    let stream: JobStream | null = null;
    let current = true;
    setAttachment({ state: "loading", jobId });
    const created = createdJobs.get(jobId);
    (created ? Promise.resolve(created) : api.job(jobId)).then(
      (job) => {
        if (!current) return;
        const attached = { job, run: new JobRun(job.id) };
        stream = new JobStream({
          url: (after) =>
            websocketUrl(
              api.base,
              `/api/jobs/${encodeURIComponent(job.id)}/stream?after=${after}&batch=true`,
              location.href,
            ),
          onEvent: (event) => attached.run.apply(event),
          onState: (state) => {
            if (!current) return;
            setAttachment({ state: "ready", attached, stream: state });
            if (state.kind === "unauthorized") api.onUnauthorized?.(new ApiError("Sign in first.", 401));
          },
        });
        stream.start();
      },
      (error: unknown) => current && setAttachment({ state: "error", jobId, error }),
    );
    return () => {
      current = false;
      stream?.stop();
    };
  }, [jobId, attempt]);
  return [attachment, () => setAttempt((n) => n + 1)];
}

/**
 * A value derived from a run, re-rendering only when it changes (a run notifies every
 * animation frame while it streams; most views care about far less).
 */
export function useRunValue<T>(run: JobRun | null, select: (run: JobRun) => T, fallback: T): T {
  const selectRef = useRef(select);
  selectRef.current = select;
  const [value, setValue] = useState<T>(() => (run ? select(run) : fallback));
  useEffect(() => {
    if (!run) return setValue(fallback);
    const refresh = () => setValue(selectRef.current(run));
    refresh();
    return run.subscribe(refresh);
  }, [run]);
  return value;
}
