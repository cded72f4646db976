/** The runs of a demo, newest first: open one, or tick several to compare them. */

import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { Demo, Job } from "../api/types";
import type { FieldSpec } from "../form/schema";
import { defaultsOf } from "../form/values";
import { describePath, differingPaths, formatValue, valueAt } from "../run/paramDiff";
import { EmptyState, ErrorState, Loading, StatusBadge, useLoad } from "../ui/states";

export const MAX_COMPARED = 4; // one dash pattern per run

const PAGE = 20;

interface Props {
  demo: Demo;
  fields: FieldSpec[];
  currentJobId: string | null;
  /** Changes whenever the list may have changed (a run started or ended). */
  version: number;
  selected: Job[];
  onSelect: (jobs: Job[]) => void;
}

export function RunHistory({ demo, fields, currentJobId, version, selected, onSelect }: Props) {
  const [limit, setLimit] = useState(PAGE);
  const [page, retry] = useLoad(() => api.jobs(demo.id, limit), [demo.id, limit, version]);
  const selectedIds = new Set(selected.map((job) => job.id));
  const toggle = (job: Job, on: boolean) =>
    onSelect(on ? [...selected, job].slice(-MAX_COMPARED) : selected.filter((other) => other.id !== job.id));

  return (
    <section class="history" aria-labelledby="history-title">
      <div class="section-head">
        <h2 id="history-title">Run history</h2>
        <button type="button" onClick={retry}>
          Refresh
        </button>
      </div>
      {page.state === "loading" && <Loading what="the runs" />}
      {page.state === "error" && (
        <ErrorState title="The run history could not be loaded." error={page.error} onRetry={retry} />
      )}
      {page.state === "ready" && page.value.items.length === 0 && (
        <EmptyState title="No runs yet.">
          <p>
            Press <strong>Train</strong> to start the first run of this demo; every run is kept here.
          </p>
        </EmptyState>
      )}
      {page.state === "ready" && page.value.items.length > 0 && (
        <>
          <p class="muted">Tick two to {MAX_COMPARED} runs to compare their curves and settings.</p>
          <table class="history-table">
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Settings that differ from the defaults</th>
              </tr>
            </thead>
            <tbody>
              {page.value.items.map((job) => (
                <tr key={job.id} class={job.id === currentJobId ? "current" : undefined} data-job={job.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare run ${job.id}`}
                      checked={selectedIds.has(job.id)}
                      onChange={(event) => toggle(job, event.currentTarget.checked)}
                    />
                  </td>
                  <td>
                    <a
                      href={`/jobs/${encodeURIComponent(job.id)}`}
                      aria-current={job.id === currentJobId ? "page" : undefined}
                    >
                      <code>{job.id}</code>
                    </a>
                  </td>
                  <td>
                    <StatusBadge status={job.status} />
                  </td>
                  <td>{new Date(job.created_at).toLocaleString()}</td>
                  <td class="params-brief">{briefParams(fields, job)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.value.total > page.value.items.length && (
            <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
              Show older runs ({page.value.total - page.value.items.length} more)
            </button>
          )}
        </>
      )}
    </section>
  );
}

const BRIEF_ITEMS = 5;

/**
 * "gd.lr 0.4 · steps 200 · + momentum": the settings that differ from the form's defaults; a
 * list item the defaults do not have is named once rather than field by field.
 */
function briefParams(fields: FieldSpec[], job: Job): string {
  const defaults = defaultsOf(fields);
  const parts = new Set<string>();
  for (const path of differingPaths([defaults, job.params])) {
    if (valueAt(job.params, path) === undefined) continue;
    const addedItem = path.findIndex(
      (segment, i) => typeof segment === "number" && valueAt(defaults, path.slice(0, i + 1)) === undefined,
    );
    parts.add(
      addedItem >= 0
        ? `+ ${describePath(job.params, path.slice(0, addedItem + 1))}`
        : `${describePath(job.params, path)} ${formatValue(valueAt(job.params, path))}`,
    );
  }
  if (parts.size === 0) return "defaults";
  const shown = [...parts].slice(0, BRIEF_ITEMS).join(" · ");
  return parts.size > BRIEF_ITEMS ? `${shown} · +${parts.size - BRIEF_ITEMS} more` : shown;
}
