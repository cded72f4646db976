/** The metrics of a run (or of runs compared) as one chart per group the demo declares. */

import type { ComponentChildren } from "preact";
import { ALL_KEY, type MetricGroup, type MetricGrouping } from "./groups";
import { MetricsChart } from "./MetricsChart";
import type { ChartSource } from "./source";

const WAITING_KEY = "waiting"; // no metric yet: one empty chart, whatever the demo declares

interface Props {
  grouping: MetricGrouping;
  /** The groups that have metrics (`grouping.groups(names)`). */
  groups: MetricGroup[];
  /** The source of one group's chart, by its key; the same object for the same key. */
  sourceOf: (key: string) => ChartSource;
  /** What the charts show, for screen readers ("Metrics of this run"). */
  label: string;
  /** The level of the charts' titles under the heading of their section. */
  heading: "h3" | "h4";
  /** Shown while there is nothing to draw. */
  empty: ComponentChildren;
  /** A click on a chart at a step (see MetricsChart). */
  onPickStep?: (step: number, slack: number) => void;
}

export function ChartGroups({
  grouping,
  groups,
  sourceOf,
  label,
  heading: Heading,
  empty,
  onPickStep,
}: Props) {
  if (groups.length === 0) {
    const key = grouping.declared ? WAITING_KEY : ALL_KEY;
    return (
      <MetricsChart key={key} source={sourceOf(key)} label={label} empty={empty} onPickStep={onPickStep} />
    );
  }
  if (!grouping.declared) {
    const [group] = groups;
    return (
      <MetricsChart
        key={group.key}
        source={sourceOf(group.key)}
        label={label}
        empty={empty}
        onPickStep={onPickStep}
      />
    );
  }
  return (
    <div class="chart-groups">
      {groups.map((group, i) => (
        <section key={group.key} class="chart-group" data-chart={group.key}>
          <Heading class="chart-title">{group.title}</Heading>
          <MetricsChart
            source={sourceOf(group.key)}
            label={`${label}: ${group.title}`}
            yLabel={group.yLabel}
            logScale={group.logScale}
            height={220}
            listChanges={i === groups.length - 1}
            empty={empty}
            onPickStep={onPickStep}
          />
        </section>
      ))}
    </div>
  );
}

/** sourceOf for ChartGroups: one source per key, made on first use. */
export function sourcesByKey(make: (key: string) => ChartSource): (key: string) => ChartSource {
  const sources = new Map<string, ChartSource>();
  return (key) => {
    let source = sources.get(key);
    if (!source) {
      source = make(key);
      sources.set(key, source);
    }
    return source;
  };
}
