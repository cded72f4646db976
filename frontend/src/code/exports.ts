/**
 * A run as code: which runs the API exports (`GET /api/jobs/{id}/code`, `.../notebook`) and,
 * for the others, why not. Only a run that succeeded and is not a fork has a script that
 * reproduces it; the API answers 409 for the rest.
 */

import type { JobStatus } from "../api/types";

export type ExportOffer =
  | { kind: "offered"; script: string; notebook: string }
  /** a fork continues another run from a saved state, which no script starts from */
  | { kind: "fork"; parentId: string }
  /** waiting or running: offered once it succeeds */
  | { kind: "unfinished" }
  /** it ended without finishing its steps */
  | { kind: "unsuccessful"; status: JobStatus };

/** The API path of a run's standalone script. */
export const scriptPath = (jobId: string) => `/api/jobs/${encodeURIComponent(jobId)}/code`;

/** The API path of a run's notebook. */
export const notebookPath = (jobId: string) => `/api/jobs/${encodeURIComponent(jobId)}/notebook`;

export function exportOffer(job: { id: string; parent_id?: string | null }, status: JobStatus): ExportOffer {
  if (job.parent_id) return { kind: "fork", parentId: job.parent_id };
  if (status === "queued" || status === "running") return { kind: "unfinished" };
  if (status !== "succeeded") return { kind: "unsuccessful", status };
  return { kind: "offered", script: scriptPath(job.id), notebook: notebookPath(job.id) };
}

const ENDED: Partial<Record<JobStatus, string>> = {
  failed: "this one failed",
  cancelled: "this one was stopped before its end",
  diverged: "this one diverged",
};

/** Why a run that is not offered as code is not: a sentence for the run's page. */
export function whyNotOffered(offer: Exclude<ExportOffer, { kind: "offered" }>): string {
  switch (offer.kind) {
    case "fork":
      return "A fork is not exported as code: export the run it came from.";
    case "unfinished":
      return "The script and the notebook of this run can be downloaded when it finishes.";
    case "unsuccessful":
      return `Only a run that finished can be exported as code; ${ENDED[offer.status] ?? "this one did not"}.`;
  }
}
