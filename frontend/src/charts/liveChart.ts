/**
 * A uPlot chart over growing series. All points are kept by the series; each redraw hands
 * uPlot only the min/max of every pixel column of the visible window, so 100,000 points per
 * line redraw as fast as 1,000. The view follows the data until the learner zooms or pans.
 */

import uPlot from "uplot";
import { downsampleMinMax } from "./downsample";
import type { ChartLine, ChartSource, StepRange } from "./source";

export interface CursorReadout {
  step: number;
  values: Map<string, number | null>;
}

export interface LiveChartOptions {
  height: number;
  yLabel: string;
  onCursor: (readout: CursorReadout | null) => void;
  /** A click (not a drag) on the plot at `step`; `slack`: how many steps a few pixels span. */
  onPick?: (step: number, slack: number) => void;
}

/** A pointer that moves less than this between press and release clicked; more, it dragged. */
const CLICK_PIXELS = 4;
/** How near a snapshot's marker a click picks it. */
const PICK_PIXELS = 8;
/** A click waits this long for a second one: a double click shows everything, it picks nothing. */
const DOUBLE_CLICK_MS = 250;

const MIN_ZOOM_SPAN = 4; // steps

/** Tick spacings from 1e-30 to 1e300: uPlot's defaults stop near 1e16, and a run that is
 * diverging reaches far beyond that before it ends (the y axis would lose its ticks). */
const Y_INCREMENTS = Array.from({ length: 331 }, (_, k) => 10 ** (k - 30)).flatMap((power) => [
  power,
  2 * power,
  5 * power,
]);

/** Steps are whole numbers: no tick at step 2.5. */
const STEP_INCREMENTS = Array.from({ length: 16 }, (_, k) => 10 ** k).flatMap((power) => [
  power,
  2 * power,
  5 * power,
]);

export class LiveChart {
  private plot: uPlot | null = null;
  private layout = "";
  private view: StepRange | null = null; // null: show everything and follow new steps
  private applied: StepRange | null = null;
  private logScale = false;
  private readonly hidden = new Set<string>();
  private lines: ChartLine[] = [];
  private readonly marksLayer = document.createElement("div");
  private pressedAt: { x: number; y: number } | null = null;
  private pickTimer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly host: HTMLElement,
    private readonly source: ChartSource,
    private readonly options: LiveChartOptions,
  ) {
    this.marksLayer.className = "chart-marks";
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(host);
  }

  refresh(): void {
    // a view may still hold a chart it replaced (its effects run in order): it draws nothing
    if (this.destroyed) return;
    this.lines = this.source.lines().filter((line) => line.series.length > 0);
    if (this.lines.length === 0) {
      this.destroyPlot();
      return;
    }
    const layout = this.layoutKey();
    if (layout !== this.layout || !this.plot) this.build(layout);
    this.draw();
  }

  setLogScale(on: boolean): void {
    this.logScale = on;
    this.refresh();
  }

  toggle(key: string): void {
    if (this.hidden.has(key)) this.hidden.delete(key);
    else this.hidden.add(key);
    const index = this.lines.findIndex((line) => line.key === key);
    this.plot?.setSeries(index + 1, { show: !this.hidden.has(key) });
  }

  isHidden(key: string): boolean {
    return this.hidden.has(key);
  }

  /** factor < 1 zooms in around `center` (0..1 across the plot). */
  zoom(factor: number, center = 0.5): void {
    const full = this.fullExtent();
    if (!full) return;
    const current = this.view ?? full;
    const pivot = current.min + (current.max - current.min) * center;
    const span = Math.max(MIN_ZOOM_SPAN, (current.max - current.min) * factor);
    if (span >= full.max - full.min) return this.showAll();
    const min = pivot - (pivot - current.min) * (span / (current.max - current.min));
    this.setView(clampWindow({ min, max: min + span }, full));
  }

  /** Moves the view by `fraction` of its width (negative: towards step 0). */
  pan(fraction: number): void {
    const full = this.fullExtent();
    if (!full || !this.view) return;
    const shift = (this.view.max - this.view.min) * fraction;
    this.setView(clampWindow({ min: this.view.min + shift, max: this.view.max + shift }, full));
  }

  showAll(): void {
    this.view = null;
    this.draw();
  }

  get following(): boolean {
    return this.view === null;
  }

  destroy(): void {
    this.destroyed = true;
    this.cancelPick();
    this.resizeObserver.disconnect();
    this.destroyPlot();
  }

  private setView(view: StepRange): void {
    this.view = view;
    this.draw();
  }

  private layoutKey(): string {
    const threshold = Math.round(Math.log10(this.linearBelow()));
    return JSON.stringify([this.lines.map((l) => [l.key, l.color, l.dash]), this.yDistribution(), threshold]);
  }

  /** Linear; log when asked and every value is positive; else arcsinh, which takes 0 and negatives. */
  private yDistribution(): 1 | 3 | 4 {
    if (!this.logScale) return 1;
    return this.lines.every((line) => line.series.minY > 0) ? 3 : 4;
  }

  /**
   * Where the arcsinh axis turns linear: at the smallest nonzero |value|, so it reads like a
   * log axis over every value drawn (a loss that reaches exactly 0 still shows its decades).
   */
  private linearBelow(): number {
    const smallest = Math.min(...this.lines.map((line) => line.series.minMagnitude));
    const largest = Math.max(
      ...this.lines.map((line) => Math.max(Math.abs(line.series.minY), Math.abs(line.series.maxY))),
    );
    if (!Number.isFinite(smallest)) return 1;
    // uPlot draws a tick per decade: more than ~15 decades and it cannot lay them out
    return Math.max(smallest, largest * 1e-15);
  }

  /** Losses touch 0 but never go below: an arcsinh axis would otherwise pad into negatives. */
  private floorAtZero(distr: 1 | 3 | 4): Pick<uPlot.Scale, "range"> {
    if (distr !== 4 || !this.lines.every((line) => line.series.minY >= 0)) return {};
    return { range: (_u, _min, max) => [0, max] };
  }

  private build(layout: string): void {
    this.destroyPlot();
    this.layout = layout;
    const distr = this.yDistribution();
    const options: uPlot.Options = {
      width: Math.max(200, this.host.clientWidth),
      height: this.options.height,
      scales: {
        x: { time: false },
        y: { distr, log: 10, asinh: this.linearBelow(), ...this.floorAtZero(distr) },
      },
      axes: [
        { label: "step", incrs: STEP_INCREMENTS, grid: { stroke: "#e6e6e6" }, ticks: { stroke: "#ccc" } },
        {
          label: this.options.yLabel,
          size: 64,
          incrs: Y_INCREMENTS,
          // on a log axis, lines at the labelled ticks only: 8 more per decade make a gray band
          grid: { stroke: "#e6e6e6", filter: labelledSplits },
          ticks: { stroke: "#ccc", filter: labelledSplits },
          values: (_u, splits) => splits.map(formatTick),
        },
      ],
      series: [
        { label: "step" },
        ...this.lines.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          dash: line.dash,
          show: !this.hidden.has(line.key),
        })),
      ],
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false },
        bind: { dblclick: () => () => (this.showAll(), null) },
      },
      hooks: {
        setScale: [(_u, key) => key === "x" && this.scaleChanged()],
        draw: [() => this.placeMarks()],
        setCursor: [(u) => this.reportCursor(u)],
      },
    };
    this.plot = new uPlot(options, [[]], this.host);
    this.plot.over.appendChild(this.marksLayer);
    this.plot.over.addEventListener("wheel", this.onWheel, { passive: false });
    if (this.options.onPick) {
      this.plot.over.addEventListener("mousedown", this.onPress);
      this.plot.over.addEventListener("click", this.onClick);
      this.plot.over.classList.add("pickable");
    }
  }

  private draw(): void {
    const plot = this.plot;
    const full = this.fullExtent();
    if (!plot || !full) return;
    const visible = this.view ?? full;
    const columns = Math.max(50, Math.round(plot.bbox.width / devicePixelRatio));
    const tables = this.lines.map((line): uPlot.AlignedData => {
      const { xs, ys } = downsampleMinMax(
        line.series.xs,
        line.series.ys,
        line.series.length,
        visible.min,
        visible.max,
        columns,
      );
      return [xs, ys];
    });
    const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    this.applied = visible;
    plot.batch(() => {
      plot.setData(data, false);
      plot.setScale("x", visible);
    });
    this.host.dataset.drawnPoints = String(data[0].length);
    this.host.dataset.lastStep = String(full.max);
  }

  /** The learner zoomed by dragging across the plot: keep that window. */
  private scaleChanged(): void {
    const scale = this.plot?.scales.x;
    if (!scale || scale.min == null || scale.max == null || !this.applied) return;
    if (scale.min === this.applied.min && scale.max === this.applied.max) return;
    const view = { min: scale.min, max: scale.max };
    requestAnimationFrame(() => this.setView(view)); // finer detail for the new window
  }

  private readonly onWheel = (event: WheelEvent) => {
    if (!this.plot) return;
    event.preventDefault();
    const center = event.offsetX / this.plot.over.clientWidth;
    this.zoom(event.deltaY < 0 ? 0.8 : 1.25, center);
  };

  private readonly onPress = (event: MouseEvent) => {
    this.pressedAt = { x: event.clientX, y: event.clientY };
  };

  /** A click, not the end of a drag that zoomed: the step under the pointer. */
  private readonly onClick = (event: MouseEvent) => {
    const plot = this.plot;
    const pressed = this.pressedAt;
    this.pressedAt = null;
    const onPick = this.options.onPick;
    this.cancelPick();
    if (!plot || !onPick || event.detail > 1) return;
    if (pressed && Math.hypot(event.clientX - pressed.x, event.clientY - pressed.y) > CLICK_PIXELS) return;
    const left = event.clientX - plot.over.getBoundingClientRect().left;
    const step = plot.posToVal(left, "x");
    const slack = Math.abs(plot.posToVal(left + PICK_PIXELS, "x") - step);
    if (!Number.isFinite(step)) return;
    this.pickTimer = setTimeout(() => {
      this.pickTimer = null;
      onPick(step, slack);
    }, DOUBLE_CLICK_MS);
  };

  private cancelPick(): void {
    if (this.pickTimer !== null) clearTimeout(this.pickTimer);
    this.pickTimer = null;
  }

  /** Every step drawn, and the saved steps a fork can start from (a run's first is before its first point). */
  private fullExtent(): StepRange | null {
    if (this.lines.length === 0) return null;
    const shared = this.source.steps?.();
    const saved = this.source.snapshots?.() ?? [];
    const min = Math.min(...this.lines.map((l) => l.series.xs[0]), shared?.min ?? Infinity, ...saved);
    const max = Math.max(...this.lines.map((l) => l.series.lastX ?? min), shared?.max ?? -Infinity, ...saved);
    return { min, max: Math.max(max, min + 1) };
  }

  private placeMarks(): void {
    const plot = this.plot;
    if (!plot) return;
    const width = plot.over.clientWidth;
    const snapshots = (this.source.snapshots?.() ?? []).flatMap((step) => {
      const left = plot.valToPos(step, "x");
      if (left < 0 || left > width) return [];
      const element = document.createElement("div");
      element.className = "chart-snapshot";
      element.style.left = `${left}px`;
      element.dataset.step = String(step);
      element.title = `Saved after step ${step}: a fork can start here`;
      return [element];
    });
    this.marksLayer.replaceChildren(
      ...snapshots,
      ...this.source.marks().flatMap((mark) => {
        const left = plot.valToPos(mark.step, "x");
        if (left < 0 || left > width) return [];
        const element = document.createElement("div");
        element.className = "chart-mark";
        element.style.left = `${left}px`;
        element.dataset.step = String(mark.step);
        element.title = `Step ${mark.step}: ${mark.detail}`;
        const flag = document.createElement("span");
        flag.textContent = mark.label;
        element.appendChild(flag);
        return [element];
      }),
    );
  }

  private reportCursor(u: uPlot): void {
    const index = u.cursor.idx;
    if (index == null) return this.options.onCursor(null);
    const values = new Map(
      this.lines.map((line, i) => [line.key, (u.data[i + 1]?.[index] as number | null) ?? null]),
    );
    this.options.onCursor({ step: u.data[0][index], values });
  }

  private resize(): void {
    this.plot?.setSize({ width: Math.max(200, this.host.clientWidth), height: this.options.height });
    this.draw();
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
    this.layout = "";
    delete this.host.dataset.drawnPoints;
  }
}

function clampWindow(range: StepRange, full: StepRange): StepRange {
  const span = range.max - range.min;
  const min = Math.min(Math.max(range.min, full.min), full.max - span);
  return { min, max: min + span };
}

/** The splits the axis labels (uPlot's own choice; null for the others). */
const labelledSplits: uPlot.Axis.Filter = (u, splits, axisIndex, space, increment) =>
  u.axes[axisIndex].filter?.(u, splits, axisIndex, space, increment) ?? splits;

/** A tick label; uPlot passes null for the ticks it leaves unlabelled on a log axis. */
function formatTick(value: number | null): string {
  if (value === null) return "";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(0);
  return String(Number(value.toPrecision(3)));
}
