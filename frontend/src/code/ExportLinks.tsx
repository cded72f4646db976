/** A run's "Download script" and "Download notebook", or why the run does not have them. */

import { api } from "../api/client";
import type { Job, JobStatus } from "../api/types";
import { exportOffer, whyNotOffered } from "./exports";

export function ExportLinks({ job, status }: { job: Job; status: JobStatus }) {
  const offer = exportOffer(job, status);
  if (offer.kind !== "offered") {
    return (
      <p class="run-export muted" data-export="none">
        {offer.kind === "fork" ? (
          <>
            A fork is not exported as code: export{" "}
            <a href={`/jobs/${encodeURIComponent(offer.parentId)}`}>the run it came from</a>.
          </>
        ) : (
          whyNotOffered(offer)
        )}
      </p>
    );
  }
  return (
    <p class="run-export" data-export="offered">
      <span class="run-export-label">This run as code:</span>
      <a
        class="download-link"
        href={api.url(offer.script)}
        download
        title="A standalone PyTorch script that reproduces this run; run it with --verify to check it against these metrics"
      >
        Download script
      </a>
      <a class="download-link" href={api.url(offer.notebook)} download title="The same as a Jupyter notebook">
        Download notebook
      </a>
    </p>
  );
}
