/** A run's metrics as chart lines, and its live changes as chart marks. */

import type { ChartSource } from "../charts/source";
import type { JobRun } from "./jobRun";
import { formatValue } from "./paramDiff";

export function runChartSource(run: JobRun): ChartSource {
  return {
    lines: () =>
      [...run.metrics].map(([name, series]) => ({
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
    subscribe: (listener) => run.subscribe(listener),
  };
}
