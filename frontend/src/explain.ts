/** What a job's state means, in words for a learner rather than for an engineer. */

import type { JobStatus } from "./api/types";

export interface Explanation {
  tone: "info" | "success" | "warning" | "error";
  headline: string;
  detail: string | null;
  advice: string | null;
}

export function explainStatus(status: JobStatus, error: string | null, lastStep: number | null): Explanation {
  const at = lastStep === null ? "" : ` at step ${lastStep}`;
  switch (status) {
    case "queued":
      return { tone: "info", headline: "Waiting for a free worker…", detail: null, advice: null };
    case "running":
      return {
        tone: "info",
        headline: `Training${lastStep === null ? "…" : `: step ${lastStep}`}`,
        detail: null,
        advice: null,
      };
    case "succeeded":
      return { tone: "success", headline: `Finished${at}.`, detail: null, advice: null };
    case "cancelled":
      // The server says who stopped it: the learner, or their instructor.
      return { tone: "warning", headline: `Stopped${at}.`, detail: error, advice: null };
    case "diverged":
      return {
        tone: "error",
        headline: "The training diverged.", // the server's error names the step
        detail: error,
        advice:
          "Diverging means each step overshot further than the last, until the numbers were " +
          "no longer finite. A smaller learning rate (or momentum) usually fixes it.",
      };
    case "failed":
      return {
        tone: "error",
        headline: "The run stopped with an error.",
        detail: error,
        advice: "Train again; if the same error comes back, the demo itself has a problem worth reporting.",
      };
  }
}
