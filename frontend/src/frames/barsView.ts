/**
 * `bars` frames: grouped bars, one group per category (a probe's class probabilities, learned
 * weights beside the true ones), growing from zero. The y axis has a canvas of its own, so it
 * stays in view when more bars than fit scroll sideways.
 */

import type { BarSeries, BarsData } from "../api/types";
import { LINE_COLORS } from "../charts/palette";
import { formatNumber } from "../run/paramDiff";
import { fitCanvas, niceTicks } from "./canvas";
import type { FrameContext, FrameView } from "./registry";
import { emptyNote, swatchItem } from "./panelParts";

const FONT = "11px system-ui, sans-serif";
const BOLD_FONT = `bold ${FONT}`;
const TOP = 8; // px above the plot: room for the top tick's label
/** Bars are never thinner than this: more bars than fit the panel scroll sideways. */
const MIN_BAR_PX = 1;
/** Nor wider than this: a few categories stay bars, not blocks. */
const MAX_BAR_PX = 36;
/** Bars fill this much of their group; the rest parts the groups, where it is worth a pixel. */
const GROUP_FILL = 0.8;
/** Labels written at 45° need this much between neighbours, or every n-th is written. */
const LABEL_SPACING = 13; // px
const MAX_LABEL_CHARS = 14;
/** More bars than this take a whole row of the picture panels; up to this many, the text
 * screen readers get gives every value. */
const MANY_BARS = 40;

/** A chart's few series take the palette's first, most distinct colors, in their order. */
const colorOf = (j: number) => LINE_COLORS[j % LINE_COLORS.length];

export interface BarLayout {
  /** Width of one category's group of bars. */
  group: number;
  bar: number;
  series: number;
  /** x of the first group: the groups are centred when they need less than the width. */
  offset: number;
  /** The plot's width: the width given, or more when the bars need it. */
  width: number;
  /** The bars need more than the width given: the plot scrolls sideways. */
  scrolls: boolean;
}

export function barLayout(categories: number, series: number, available: number, pad = 0): BarLayout {
  const room = available - pad;
  const group = Math.min(
    Math.max(room / categories, series * MIN_BAR_PX),
    (series * MAX_BAR_PX) / GROUP_FILL,
  );
  const fill = group * (1 - GROUP_FILL) >= 1 ? GROUP_FILL : 1;
  const needed = pad + group * categories;
  const width = Math.max(available, needed);
  const offset = pad + (width - needed) / 2;
  return { group, bar: (group * fill) / series, series, offset, width, scrolls: needed > available };
}

/** The left edge of the bar of series `j` in category `i`. */
export function barX(layout: BarLayout, i: number, j: number): number {
  const { group, bar, series, offset } = layout;
  return offset + i * group + (group - bar * series) / 2 + j * bar;
}

/** The category under an x of the plot, or null between the groups' ends and the edges. */
export function categoryAt(layout: BarLayout, categories: number, x: number): number | null {
  const i = Math.floor((x - layout.offset) / layout.group);
  return i >= 0 && i < categories ? i : null;
}

/** The smallest and largest value; null when none is a number. */
function extremes(series: readonly BarSeries[]): [number, number] | null {
  const values = series.flatMap((s) => s.values).filter(Number.isFinite);
  return values.length ? [Math.min(...values), Math.max(...values)] : null;
}

/** The y range: the values' and zero (bars grow from it), with a margin where bars reach. */
export function valueRange(series: readonly BarSeries[]): [number, number] {
  const [smallest, largest] = extremes(series) ?? [0, 0];
  const low = Math.min(0, smallest);
  const top = Math.max(0, largest);
  const high = top === low ? 1 : top; // all zero, or none: a unit axis
  const margin = (high - low) * 0.06;
  return [low < 0 ? low - margin : low, high > 0 ? high + margin : high];
}

/** Labels are level when the widest fits its group; otherwise at 45°, every n-th apart enough. */
export function labelPlan(widest: number, group: number): { rotated: boolean; every: number } {
  if (widest + 4 <= group) return { rotated: false, every: 1 };
  return { rotated: true, every: Math.max(1, Math.ceil(LABEL_SPACING / (group * Math.SQRT1_2))) };
}

/** The categories written under the bars: every n-th, and the highlighted one always (the
 * n-th ones too near it give way). */
export function labelledCategories(count: number, every: number, highlight: number | null): number[] {
  const near = (i: number) => highlight !== null && i !== highlight && Math.abs(i - highlight) < every;
  return Array.from({ length: count }, (_, i) => i).filter(
    (i) => i === highlight || (i % every === 0 && !near(i)),
  );
}

export function shortLabel(label: string): string {
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

/** The highlighted category, when it names one of the frame's. */
function highlightOf(data: BarsData): number | null {
  const { highlight, categories } = data;
  return highlight !== null && highlight < categories.length ? highlight : null;
}

export function hasBars(data: BarsData): boolean {
  return data.categories.length > 0 && data.series.length > 0;
}

/** What a screen reader says for the picture: every value while they are few, else the range. */
export function describeBars(name: string, data: BarsData): string {
  const { categories, series, y_label } = data;
  const highlight = highlightOf(data);
  const what = `${name}: bars of ${series.map((s) => s.label).join(", ")}${y_label ? ` (${y_label})` : ""}`;
  const marked = highlight === null ? "" : ` Marked: ${categories[highlight]}.`;
  if (categories.length * series.length <= MANY_BARS) {
    const values = categories.map((category, i) => `${category} ${valuesOf(series, i).join(" / ")}`);
    return `${what}, per category: ${values.join("; ")}.${marked}`;
  }
  const range = extremes(series);
  const values = range ? `values from ${formatNumber(range[0])} to ${formatNumber(range[1])}` : "no values";
  const [first, last] = [categories[0], categories.at(-1)];
  return `${what} over ${categories.length} categories (${first} to ${last}), ${values}.${marked}`;
}

const valuesOf = (series: readonly BarSeries[], i: number) =>
  series.map((s) => (Number.isFinite(s.values[i]) ? formatNumber(s.values[i]) : "none"));

/** The tooltip of a category: its name and each series' value. */
function tooltipOf(data: BarsData, i: number): string {
  const values = valuesOf(data.series, i);
  const marked = i === highlightOf(data) ? " (marked)" : "";
  return [`${data.categories[i]}${marked}`, ...data.series.map((s, j) => `${s.label}: ${values[j]}`)].join(
    "\n",
  );
}

export function barsRenderer(host: HTMLElement, { run, name }: FrameContext): FrameView {
  const figure = document.createElement("div");
  figure.className = "bars-figure";
  const axis = document.createElement("canvas");
  axis.setAttribute("aria-hidden", "true");
  const scroller = document.createElement("div");
  scroller.className = "bars-scroll";
  scroller.setAttribute("role", "group");
  const plot = document.createElement("canvas");
  plot.setAttribute("role", "img");
  scroller.append(plot);
  figure.append(axis, scroller);
  const legend = document.createElement("ul");
  legend.className = "trail-legend";
  let shownSeq = -1;
  let shownWidth = 0;
  let shown: { data: BarsData; layout: BarLayout } | null = null;
  plot.addEventListener("mousemove", (event) => {
    const i = shown && categoryAt(shown.layout, shown.data.categories.length, event.offsetX);
    plot.title = shown && i !== null ? tooltipOf(shown.data, i) : "";
  });
  return {
    update() {
      const frame = run.frameOf(name, "bars");
      if (!frame) return;
      const { data } = frame;
      if (!hasBars(data)) {
        if (frame.seq !== shownSeq) host.replaceChildren(emptyNote("No bars in this picture yet."));
        [shownSeq, shown] = [frame.seq, null];
        return;
      }
      if (!figure.isConnected) host.replaceChildren(figure, legend);
      // before the width is read: it widens the panel
      figure.classList.toggle("bars-wide", data.categories.length * data.series.length > MANY_BARS);
      const width = Math.max(240, host.clientWidth);
      if (frame.seq === shownSeq && width === shownWidth) return;
      [shownSeq, shownWidth] = [frame.seq, width];
      const layout = drawBars(axis, plot, data, width);
      if (!shown && layout.scrolls) scrollToHighlight(scroller, layout, data);
      shown = { data, layout };
      // a keyboard must be able to scroll it too
      if (layout.scrolls) scroller.tabIndex = 0;
      else scroller.removeAttribute("tabindex");
      scroller.setAttribute("aria-label", layout.scrolls ? `${name}, scrolls sideways` : name);
      plot.setAttribute("aria-label", describeBars(name, data));
      legend.replaceChildren(
        ...(data.series.length > 1
          ? data.series.map((series, j) => swatchItem(series.label, colorOf(j)))
          : []),
      );
    },
    destroy() {
      host.replaceChildren();
    },
  };
}

/** Draws the axis and the bars for a panel `width` wide; returns where the bars went. */
function drawBars(
  axisCanvas: HTMLCanvasElement,
  plotCanvas: HTMLCanvasElement,
  data: BarsData,
  width: number,
): BarLayout {
  const { categories, series } = data;
  const highlight = highlightOf(data);
  const range = valueRange(series);
  const ticks = niceTicks(range[0], range[1]);
  const measure = document.createElement("canvas").getContext("2d")!;
  measure.font = FONT;
  const tickWidth = Math.max(...ticks.map((t) => measure.measureText(formatNumber(t)).width));
  const axisWidth = Math.ceil(tickWidth) + 10 + (data.y_label ? 16 : 0);

  measure.font = BOLD_FONT;
  const labels = categories.map(shortLabel);
  const widest = Math.max(...labels.map((l) => measure.measureText(l).width));
  const available = width - axisWidth;
  let layout = barLayout(categories.length, series.length, available);
  let plan = labelPlan(widest, layout.group);
  if (plan.rotated) {
    // a label at 45° reaches left of its bar: the first must not be cut off
    const pad = Math.max(0, Math.ceil(widest * Math.SQRT1_2 - layout.offset - layout.group / 2));
    layout = barLayout(categories.length, series.length, available, pad);
    plan = labelPlan(widest, layout.group);
  }
  const bottom = plan.rotated ? Math.ceil((widest + 11) * Math.SQRT1_2) + 10 : 20;
  const plotHeight = Math.round(Math.min(280, Math.max(160, width * 0.45)));
  const height = TOP + plotHeight + bottom;
  const y = (value: number) => TOP + (1 - (value - range[0]) / (range[1] - range[0])) * plotHeight;

  const axis = fitCanvas(axisCanvas, axisWidth, height);
  axis.font = FONT;
  axis.strokeStyle = "#888";
  axis.fillStyle = "#333";
  axis.beginPath();
  axis.moveTo(axisWidth - 0.5, TOP);
  axis.lineTo(axisWidth - 0.5, TOP + plotHeight);
  axis.textAlign = "right";
  axis.textBaseline = "middle";
  for (const tick of ticks) {
    axis.moveTo(axisWidth - 4, y(tick));
    axis.lineTo(axisWidth, y(tick));
    axis.fillText(formatNumber(tick), axisWidth - 6, y(tick));
  }
  axis.stroke();
  if (data.y_label) {
    axis.translate(10, TOP + plotHeight / 2);
    axis.rotate(-Math.PI / 2);
    axis.textAlign = "center";
    axis.fillText(data.y_label, 0, 0);
  }

  const plot = fitCanvas(plotCanvas, layout.width, height);
  plot.strokeStyle = "#eceef2";
  plot.beginPath();
  for (const tick of ticks) {
    plot.moveTo(0, Math.round(y(tick)) + 0.5);
    plot.lineTo(layout.width, Math.round(y(tick)) + 0.5);
  }
  plot.stroke();
  if (highlight !== null) {
    plot.fillStyle = "rgba(29, 34, 48, 0.08)";
    plot.fillRect(layout.offset + highlight * layout.group, TOP, layout.group, plotHeight);
  }
  const zero = y(0);
  series.forEach((s, j) => {
    plot.fillStyle = colorOf(j);
    categories.forEach((_, i) => {
      const value = s.values[i];
      if (!Number.isFinite(value)) return;
      plot.fillRect(barX(layout, i, j), Math.min(y(value), zero), layout.bar, Math.abs(y(value) - zero));
    });
  });
  if (highlight !== null) {
    plot.strokeStyle = "#1d2230";
    plot.lineWidth = 1.5;
    if (layout.bar >= 4) {
      series.forEach((s, j) => {
        const value = Number.isFinite(s.values[highlight]) ? s.values[highlight] : 0;
        const top = Math.min(y(value), zero);
        plot.strokeRect(barX(layout, highlight, j), top, layout.bar, Math.abs(y(value) - zero));
      });
    } else {
      plot.strokeRect(layout.offset + highlight * layout.group, TOP, layout.group, plotHeight);
    }
  }
  plot.strokeStyle = "#333";
  plot.lineWidth = 1;
  plot.beginPath();
  plot.moveTo(0, Math.round(zero) + 0.5);
  plot.lineTo(layout.width, Math.round(zero) + 0.5);
  plot.stroke();

  plot.fillStyle = "#333";
  for (const i of labelledCategories(categories.length, plan.every, highlight)) {
    plot.font = i === highlight ? BOLD_FONT : FONT;
    const x = layout.offset + (i + 0.5) * layout.group;
    if (plan.rotated) {
      plot.save();
      plot.translate(x, TOP + plotHeight + 6);
      plot.rotate(-Math.PI / 4);
      plot.textAlign = "right";
      plot.textBaseline = "middle";
      plot.fillText(labels[i], 0, 0);
      plot.restore();
    } else {
      plot.textAlign = "center";
      plot.textBaseline = "top";
      plot.fillText(labels[i], x, TOP + plotHeight + 5);
    }
  }
  return layout;
}

/** Bars too many to see at once open on the highlighted category. */
function scrollToHighlight(scroller: HTMLElement, layout: BarLayout, data: BarsData): void {
  const highlight = highlightOf(data);
  if (highlight === null) return;
  scroller.scrollLeft = layout.offset + (highlight + 0.5) * layout.group - scroller.clientWidth / 2;
}
