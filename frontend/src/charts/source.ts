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
  /** Called (at most once per animation frame) when lines or marks changed. */
  subscribe(listener: () => void): () => void;
}

/** A source whose data is complete up front (runs being compared). */
export function staticSource(lines: ChartLine[]): ChartSource {
  return { lines: () => lines, marks: () => [], subscribe: () => () => undefined };
}
