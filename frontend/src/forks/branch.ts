/**
 * A fork's chart: drawn over its parent's whole curves, dimmed and dashed, each line of the fork
 * starts where it branched off its parent's (the parent's last point at or before the fork step)
 * and goes on solid, so the history both share is the parent's dashed curve and the branch
 * visibly leaves it. Pure but for the live run.
 */

import type { MetricSeries } from "../api/types";
import { type ChartLine, type ChartSource, stepsOf } from "../charts/source";
import { runChartSource } from "../run/chartSource";
import type { JobRun } from "../run/jobRun";
import { XYSeries } from "../run/series";

/** A value views watch: `set` tells every subscriber. */
export class Watched<T> {
  private readonly listeners = new Set<() => void>();

  constructor(public value: T) {}

  set(value: T): void {
    this.value = value;
    this.listeners.forEach((listener) => listener());
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The parent's curves a fork is drawn over (empty until they are loaded). */
export type ParentCurves = Watched<Map<string, XYSeries>>;

export function curvesOf(metrics: Record<string, MetricSeries>): Map<string, XYSeries> {
  return new Map(Object.entries(metrics).map(([name, m]) => [name, XYSeries.of(m.steps, m.values)]));
}

/**
 * A fork's line: the point where it branches off its parent's (the parent's last point at or
 * before `forkStep`), then its own points after it; `sync` appends the own points that arrived
 * since the last call.
 */
export class BranchedSeries {
  readonly series = new XYSeries();
  private copied = 0;

  constructor(
    parent: XYSeries | undefined,
    private readonly forkStep: number,
  ) {
    let joint = -1;
    for (let i = 0; parent && i < parent.length && parent.xs[i] <= forkStep; i++) joint = i;
    if (parent && joint >= 0) this.series.push(parent.xs[joint], parent.ys[joint]);
  }

  sync(own: XYSeries): XYSeries {
    for (; this.copied < own.length; this.copied++) {
      // a fork reports no step up to its fork step; were one there, the line would run backwards
      if (own.xs[this.copied] > this.forkStep) this.series.push(own.xs[this.copied], own.ys[this.copied]);
    }
    return this.series;
  }
}

/** How the parent's lines are told apart from the fork's: dashed, and paler. */
export const PARENT_DASH = [6, 4];
export const dimmed = (color: string) => (/^#[0-9a-f]{6}$/i.test(color) ? `${color}80` : color);

/** The fork's lines (continuing the parent's) and the parent's lines, for the metrics `shows` picks. */
export function forkChartSource(
  run: JobRun,
  forkStep: number,
  parent: ParentCurves,
  parentLabel: string,
  shows: (metric: string) => boolean = () => true,
): ChartSource {
  const own = runChartSource(run, shows);
  let curves = parent.value;
  let branches = new Map<string, BranchedSeries>();
  const branchOf = (name: string) => {
    if (curves !== parent.value) [curves, branches] = [parent.value, new Map()]; // the parent's arrived
    let branch = branches.get(name);
    if (!branch) {
      branch = new BranchedSeries(curves.get(name), forkStep);
      branches.set(name, branch);
    }
    return branch;
  };
  return {
    lines: (): ChartLine[] => [
      ...own.lines().map((line) => ({ ...line, series: branchOf(line.key).sync(line.series) })),
      ...[...parent.value]
        .filter(([name]) => shows(name))
        .map(([name, series]) => ({
          key: `parent/${name}`,
          label: `${name} · ${parentLabel}`,
          color: dimmed(run.colors.colorOf(name)),
          dash: PARENT_DASH,
          series,
        })),
    ],
    marks: () => own.marks(),
    steps: () => stepsOf([...run.metrics.values(), ...parent.value.values()]),
    subscribe: (listener) => {
      const stopRun = run.subscribe(listener);
      const stopParent = parent.subscribe(listener);
      return () => {
        stopRun();
        stopParent();
      };
    },
  };
}

/** The same source, with the steps a fork can start from marked on its step axis. */
export function withSnapshots(source: ChartSource, snapshots: Watched<readonly number[]>): ChartSource {
  return {
    ...source,
    snapshots: () => snapshots.value,
    subscribe: (listener) => {
      const stopSource = source.subscribe(listener);
      const stopSnapshots = snapshots.subscribe(listener);
      return () => {
        stopSource();
        stopSnapshots();
      };
    },
  };
}
