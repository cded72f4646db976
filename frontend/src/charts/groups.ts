/**
 * Which chart draws which metric. A demo declares its charts (`Demo.charts`), each naming
 * metrics or patterns in which `*` stands for any text (nothing else is special: `K[*]`
 * matches `K[0,1]`). A metric goes to the first chart that matches it, so it is drawn once;
 * metrics that match no chart go to a last chart, "Other". A demo that declares no charts
 * gets one chart with every metric. The API's `ChartSpec.matches` follows the same rules.
 */

import type { ChartSpec } from "../api/types";

export interface MetricGroup {
  /** Stable while metrics arrive: "chart-0", "chart-1"... as declared, "other", or "all". */
  key: string;
  title: string;
  yLabel: string;
  /** Where the chart's log-scale toggle starts. */
  logScale: boolean;
  /** In the order given (for a run: the order the metrics first appeared). */
  metrics: string[];
}

export const ALL_KEY = "all";
export const OTHER_KEY = "other";
const DEFAULT_Y_LABEL = "value";

/** A test for one pattern: the whole name must match, `*` matching any text. */
export function globMatcher(pattern: string): (name: string) => boolean {
  const regex = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "s");
  return (name) => regex.test(name);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class MetricGrouping {
  private readonly specs: (Omit<MetricGroup, "metrics"> & { matches: (name: string) => boolean })[];
  private readonly keys = new Map<string, string>();

  /** `charts` may be absent: an API older than `Demo.charts` (the UI can talk to another one). */
  constructor(charts: readonly ChartSpec[] | undefined) {
    this.specs = (charts ?? []).map((chart, i) => {
      const matchers = chart.metrics.map(globMatcher);
      return {
        key: `chart-${i}`,
        title: chart.title,
        yLabel: chart.y_label || DEFAULT_Y_LABEL,
        logScale: chart.log_scale,
        matches: (name: string) => matchers.some((matches) => matches(name)),
      };
    });
  }

  /** Whether the demo declared its charts (else there is one chart, without a title of its own). */
  get declared(): boolean {
    return this.specs.length > 0;
  }

  /** The key of the chart that draws a metric; a metric never moves to another chart. */
  keyOf(name: string): string {
    let key = this.keys.get(name);
    if (key === undefined) {
      key = this.declared ? (this.specs.find((spec) => spec.matches(name))?.key ?? OTHER_KEY) : ALL_KEY;
      this.keys.set(name, key);
    }
    return key;
  }

  /** The charts that have metrics, in the declared order, "Other" last. */
  groups(names: Iterable<string>): MetricGroup[] {
    const members = new Map<string, string[]>();
    for (const name of names) {
      const key = this.keyOf(name);
      const group = members.get(key);
      if (group) group.push(name);
      else members.set(key, [name]);
    }
    const charts = this.declared
      ? [...this.specs, { key: OTHER_KEY, title: "Other", yLabel: DEFAULT_Y_LABEL, logScale: false }]
      : [{ key: ALL_KEY, title: "Metrics", yLabel: DEFAULT_Y_LABEL, logScale: false }];
    return charts.flatMap(({ key, title, yLabel, logScale }) => {
      const metrics = members.get(key);
      return metrics ? [{ key, title, yLabel, logScale, metrics }] : [];
    });
  }
}
