/** Beside the run history: the family of forks of the run on show, as a small tree. */

import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { type Lineage, isActive } from "../api/types";
import { StatusBadge, messageOf } from "../ui/states";
import { type LineageBranch, branchFamily, flatten, lineageTree } from "./lineage";

/** While a run of the family trains, its status changes: ask again this often. */
const REFRESH_MS = 5000;

interface Props {
  jobId: string | null;
  /** Changes whenever the family may have changed (a run started or ended). */
  version: number;
  /** At most this many runs are compared at once. */
  maxCompared: number;
  /** Show these runs in the comparison; rejects when they could not be loaded. */
  onCompare: (ids: string[]) => Promise<void>;
}

/** Nothing when the run has no parent and no forks (or none is on show). */
export function LineagePanel({ jobId, version, maxCompared, onCompare }: Props) {
  const lineage = useLineage(jobId, version);
  const [compareError, setCompareError] = useState<string | null>(null);
  if (!jobId || !lineage || lineage.nodes.length < 2 || !lineage.nodes.some((node) => node.id === jobId))
    return null;
  const tree = lineageTree(lineage);
  const family = branchFamily(lineage, jobId, maxCompared);
  return (
    <section class="lineage" aria-labelledby="lineage-title">
      <div class="section-head">
        <h2 id="lineage-title">Forks</h2>
        {family.length > 1 && (
          <button
            type="button"
            onClick={() => {
              setCompareError(null);
              onCompare(family).catch((error: unknown) =>
                setCompareError(`The branches could not be compared: ${messageOf(error)}`),
              );
            }}
            title={`Compare ${family.length} runs: a run and the forks that branched from it`}
          >
            Compare branches
          </button>
        )}
      </div>
      {compareError && (
        <p class="form-error" role="alert">
          {compareError}
        </p>
      )}
      <p class="muted">
        {flatten(tree).length} runs of one family: each fork continues its parent after the step it names.
      </p>
      <BranchList branches={tree} current={jobId} />
    </section>
  );
}

function BranchList({ branches, current }: { branches: LineageBranch[]; current: string }) {
  return (
    <ul class="lineage-tree">
      {branches.map((branch) => (
        <li key={branch.node.id} data-job={branch.node.id} data-depth={branch.depth}>
          <div class={branch.node.id === current ? "lineage-node current" : "lineage-node"}>
            <a
              href={`/jobs/${encodeURIComponent(branch.node.id)}`}
              aria-current={branch.node.id === current ? "page" : undefined}
            >
              <code>{branch.node.id}</code>
            </a>{" "}
            <StatusBadge status={branch.node.status} />
            <span class="lineage-step">
              {branch.node.fork_step === null ? "original run" : `after step ${branch.node.fork_step}`}
              {branch.orphan && " of a run no longer here"}
              {branch.changes.length > 0 && ": "}
              {branch.changes.length > 0 && <span class="lineage-changes">{branch.changes.join(" · ")}</span>}
            </span>
          </div>
          {branch.children.length > 0 && <BranchList branches={branch.children} current={current} />}
        </li>
      ))}
    </ul>
  );
}

/** The family, kept on show while it is asked again (null until the first answer, or on an error). */
function useLineage(jobId: string | null, version: number): Lineage | null {
  const [lineage, setLineage] = useState<Lineage | null>(null);
  useEffect(() => {
    if (!jobId) return setLineage(null);
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = () =>
      api.lineage(jobId).then(
        (value) => {
          if (!alive) return;
          setLineage(value);
          if (value.nodes.some((node) => isActive(node.status))) timer = setTimeout(load, REFRESH_MS);
        },
        () => alive && setLineage((shown) => (shown?.nodes.some((n) => n.id === jobId) ? shown : null)),
      );
    void load();
    return () => {
      alive = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [jobId, version]);
  return lineage;
}
