/**
 * A learner's run on a grid card: a tiny uPlot chart of the grid's metrics, no legend (the
 * page has one), no cursor, a compact value axis. Each redraw hands uPlot at most two points
 * per pixel column (charts/downsample), so a long run costs a card no more than a short one.
 */

import "uplot/dist/uPlot.min.css";
import uPlot from "uplot";
import { downsampleMinMax } from "../charts/downsample";
import { LINE_COLORS } from "../charts/palette";
import type { RunSeries } from "./grid";

/** A metric's color on every card and in the page's legend: by its place in the grid's metrics. */
export function metricColor(index: number): string {
  return LINE_COLORS[index % LINE_COLORS.length];
}

export class Sparkline {
  private plot: uPlot | null = null;
  private layout = "";
  private metrics: string[] = [];
  private series: RunSeries = new Map();
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly host: HTMLElement,
    private readonly height: number,
    /** Draw on a log axis when every value is positive (the demo's first chart asks for it). */
    private readonly logScale: boolean,
  ) {
    this.resizeObserver = new ResizeObserver(() => {
      this.plot?.setSize({ width: this.width(), height: this.height });
      this.draw(this.metrics, this.series);
    });
    this.resizeObserver.observe(host);
  }

  draw(metrics: string[], series: RunSeries): void {
    this.metrics = metrics;
    this.series = series;
    const lines = metrics.flatMap((name, index) => {
      const line = series.get(name);
      return line && line.length > 0 ? [{ line, color: metricColor(index) }] : [];
    });
    if (lines.length === 0) return this.destroyPlot();
    const log = this.logScale && lines.every(({ line }) => line.minY > 0);
    const layout = JSON.stringify([lines.map(({ color }) => color), log]);
    if (layout !== this.layout || !this.plot)
      this.build(
        layout,
        lines.map(({ color }) => color),
        log,
      );
    const plot = this.plot!;
    const min = Math.min(...lines.map(({ line }) => line.xs[0]));
    const max = Math.max(min + 1, ...lines.map(({ line }) => line.lastX ?? min));
    const columns = Math.max(30, Math.round(plot.bbox.width / devicePixelRatio));
    const tables = lines.map(({ line }): uPlot.AlignedData => {
      const { xs, ys } = downsampleMinMax(line.xs, line.ys, line.length, min, max, columns);
      return [xs, ys];
    });
    plot.batch(() => {
      plot.setData(tables.length === 1 ? tables[0] : uPlot.join(tables), false);
      plot.setScale("x", { min, max });
    });
    this.host.dataset.lastStep = String(max);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.destroyPlot();
  }

  private build(layout: string, colors: string[], log: boolean): void {
    this.destroyPlot();
    this.layout = layout;
    this.plot = new uPlot(
      {
        width: this.width(),
        height: this.height,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { distr: log ? 3 : 1, log: 10 } },
        axes: [
          { show: false },
          {
            size: 38,
            font: "10px system-ui, sans-serif",
            gap: 2,
            ticks: { show: false },
            grid: { stroke: "#eceef2", width: 1 },
            values: (_u, splits) => splits.map(compactNumber),
          },
        ],
        series: [{}, ...colors.map((stroke) => ({ stroke, width: 1.5, points: { show: false } }))],
      },
      [[]],
      this.host,
    );
  }

  private width(): number {
    return Math.max(120, this.host.clientWidth);
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
    this.layout = "";
    delete this.host.dataset.lastStep;
  }
}

/** A tick label in at most four characters or so: 0.5, 12, 3k, 2e-4. */
function compactNumber(value: number | null): string {
  if (value === null) return "";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-2) return value.toExponential(0).replace("+", "");
  return String(Number(value.toPrecision(2)));
}
