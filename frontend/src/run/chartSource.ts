/** A run's metrics as chart lines, and its live changes as chart marks. */

import { type ChartSource, stepsOf } from "../charts/source";
import type { JobRun } from "./jobRun";
import { formatValue } from "./paramDiff";

/** `shows(name)` picks the metrics of this chart (a run's metrics may span several charts);
 * every chart of the run gets all its live-change marks, and shows all its steps. */
export function runChartSource(run: JobRun, shows: (metric: string) => boolean = () => true): ChartSource {
  return {
    lines: () =>
      [...run.metrics]
        .filter(([name]) => shows(name))
        .map(([name, series]) => ({
          key: name,
          label: name,
          color: run.colors.colorOf(name),
          dash: run.colors.dashOf(name),
          series,
        })),
    marks: () =>
      run.paramsVersions
        .filter((version) => version.changes.length > 0)
        .map((version) => ({
          step: version.step,
          label: `v${version.version}`,
          detail: version.changes
            .map((c) => `${c.label} ${formatValue(c.before)} → ${formatValue(c.after)}`)
            .join(", "),
        })),
    steps: () => stepsOf(run.metrics.values()),
    subscribe: (listener) => run.subscribe(listener),
  };
}
