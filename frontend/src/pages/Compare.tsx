/** Runs side by side: their curves overlaid (color per metric, dash per run) and the settings that differ. */

import { useMemo } from "preact/hooks";
import { api } from "../api/client";
import type { ChartSpec, Job, MetricSeries } from "../api/types";
import { ChartGroups, sourcesByKey } from "../charts/ChartGroups";
import { MetricGrouping } from "../charts/groups";
import { LineSwatch } from "../charts/LineSwatch";
import { LINE_DASHES, SeriesColors } from "../charts/palette";
import { type ChartLine, staticSource } from "../charts/source";
import { describePath, differingPaths, formatValue, pathKey, valueAt } from "../run/paramDiff";
import { XYSeries } from "../run/series";
import { EmptyState, ErrorState, Loading, StatusBadge, useLoad } from "../ui/states";

/** Points per series fetched for comparing; the server keeps each bin's min and max. */
const COMPARE_POINTS = 1000;

export function Compare({ runs, charts }: { runs: Job[]; charts: ChartSpec[] }) {
  const ids = runs.map((job) => job.id);
  const [metrics, retry] = useLoad(
    () => Promise.all(ids.map((id) => api.metrics(id, COMPARE_POINTS))),
    [ids.join(",")],
  );
  const grouping = useMemo(() => new MetricGrouping(charts), [charts]);
  const curves = useMemo(() => {
    if (metrics.state !== "ready") return null;
    const lines = overlay(runs, metrics.value);
    const names = new Set(lines.map((line) => line.metric));
    return {
      groups: grouping.groups(names),
      sourceOf: sourcesByKey((key) =>
        staticSource(
          lines.filter((line) => grouping.keyOf(line.metric) === key),
          lines,
        ),
      ),
    };
  }, [metrics, grouping]);

  return (
    <section class="compare" aria-labelledby="compare-title">
      {/* focusable from a script: "Compare branches" brings the learner here */}
      <h2 id="compare-title" tabIndex={-1}>
        Compare runs
      </h2>
      {runs.length < 2 ? (
        <EmptyState title={runs.length === 0 ? "No runs picked." : "Pick one more run."}>
          <p>
            Tick two or more runs in the history above to overlay their curves and see which settings differ.
          </p>
        </EmptyState>
      ) : (
        <>
          <RunKey runs={runs} />
          {metrics.state === "loading" && <Loading what="the curves" />}
          {metrics.state === "error" && (
            <ErrorState title="The curves could not be loaded." error={metrics.error} onRetry={retry} />
          )}
          {curves && (
            <ChartGroups
              grouping={grouping}
              groups={curves.groups}
              sourceOf={curves.sourceOf}
              label="Curves of the compared runs"
              heading="h3"
              empty={<EmptyState title="These runs have no metrics yet." />}
            />
          )}
          <DifferenceTable runs={runs} />
        </>
      )}
    </section>
  );
}

/** Every run's metrics as lines, each tagged with its metric's name. */
function overlay(runs: Job[], metrics: Record<string, MetricSeries>[]): (ChartLine & { metric: string })[] {
  const colors = new SeriesColors();
  return runs.flatMap((job, r) =>
    Object.entries(metrics[r]).map(([name, series]) => ({
      metric: name,
      key: `${job.id}/${name}`,
      label: `${name} · ${job.id.slice(0, 6)}`,
      color: colors.colorOf(name),
      dash: LINE_DASHES[r % LINE_DASHES.length],
      series: XYSeries.of(series.steps, series.values),
    })),
  );
}

function RunKey({ runs }: { runs: Job[] }) {
  return (
    <ul class="run-key" aria-label="Line style of each run">
      {runs.map((job, r) => (
        <li key={job.id}>
          <LineSwatch color="#333" dash={LINE_DASHES[r % LINE_DASHES.length]} width={30} thickness={2.5} />
          <code>{job.id.slice(0, 6)}</code> <StatusBadge status={job.status} />
        </li>
      ))}
    </ul>
  );
}

function DifferenceTable({ runs }: { runs: Job[] }) {
  const paths = differingPaths(runs.map((job) => job.params));
  if (paths.length === 0) return <p class="muted">These runs used the same settings.</p>;
  return (
    <table class="diff-table">
      <caption>Settings in which the runs differ</caption>
      <thead>
        <tr>
          <th scope="col">Setting</th>
          {runs.map((job) => (
            <th scope="col" key={job.id}>
              <code>{job.id.slice(0, 6)}</code>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {paths.map((path) => {
          const named = runs.find((job) => valueAt(job.params, path) !== undefined) ?? runs[0];
          return (
            <tr key={pathKey(path)}>
              <th scope="row">{describePath(named.params, path)}</th>
              {runs.map((job) => (
                <td key={job.id}>{formatValue(valueAt(job.params, path))}</td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
