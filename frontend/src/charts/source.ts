/** What a metrics chart draws: lines over steps, and marks at steps where something changed. */

import type { XYSeries } from "../run/series";

export interface ChartLine {
  key: string;
  label: string;
  color: string;
  dash: number[];
  series: XYSeries;
}

export interface ChartMark {
  step: number;
  label: string;
  detail: string;
}

export interface ChartSource {
  lines(): ChartLine[];
  marks(): ChartMark[];
  /** The steps to show at the least: charts drawn one above the other share them, so a step
   * lines up on all of them (absent: the steps of this chart's own lines). */
  steps?(): StepRange | null;
  /** Steps a fork of the run can start from, marked on the step axis (absent: none marked). */
  snapshots?(): readonly number[];
  /** Called (at most once per animation frame) when lines or marks changed. */
  subscribe(listener: () => void): () => void;
}

export interface StepRange {
  min: number;
  max: number;
}

/** A source whose data is complete up front (runs being compared); `shared` are the lines of
 * every chart drawn with it, whose steps it shows. */
export function staticSource(lines: ChartLine[], shared: ChartLine[] = lines): ChartSource {
  const steps = stepsOf(shared.map((line) => line.series));
  return { lines: () => lines, marks: () => [], steps: () => steps, subscribe: () => () => undefined };
}

/** From the first step to the last of any of these series; null when they are all empty. */
export function stepsOf(series: Iterable<XYSeries>): StepRange | null {
  let [min, max] = [Infinity, -Infinity];
  for (const { xs, length } of series) {
    if (!length) continue;
    min = Math.min(min, xs[0]);
    max = Math.max(max, xs[length - 1]);
  }
  return min <= max ? { min, max } : null;
}
