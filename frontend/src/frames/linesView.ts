/** `lines` frames: curves and scatters on shared axes (a fit against the data, say), either axis log10. */

import type { LineSeries, LinesData } from "../api/types";
import { type Box, type Extent, type Scales, drawAxes, fitCanvas, projector, yAxisRoom } from "./canvas";
import type { FrameContext, FrameView } from "./registry";

export function linesRenderer(host: HTMLElement, { run, name }: FrameContext): FrameView {
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  const legend = document.createElement("ul");
  legend.className = "trail-legend";
  host.append(canvas, legend);
  let shownSeq = -1;
  let shownWidth = 0;
  return {
    update() {
      const frame = run.frameOf(name, "lines");
      const width = Math.max(240, host.clientWidth);
      if (!frame || (frame.seq === shownSeq && width === shownWidth)) return;
      [shownSeq, shownWidth] = [frame.seq, width];
      const { series } = frame.data;
      const scales = scalesOf(frame.data);
      const extent = extentOf(series, scales);
      if (!extent) return;
      const [xLabel, yLabel] = [frame.data.x_label || "x", frame.data.y_label || "y"];
      const height = Math.round(width * 0.65);
      const context = fitCanvas(canvas, width, height);
      const left = Math.max(46, yAxisRoom(context, extent, scales, yLabel));
      const box: Box = { left, top: 8, width: width - left - 10, height: height - 52 };
      const to = projector(box, extent, scales);
      for (const line of series) {
        const color = run.colors.colorOf(line.label);
        context.strokeStyle = context.fillStyle = color;
        context.lineWidth = 2;
        context.beginPath();
        for (const stretch of drawableRuns(line, scales)) {
          stretch.forEach(([x, y], k) => {
            if (line.style === "points") {
              context.moveTo(to.x(x) + 3, to.y(y));
              context.arc(to.x(x), to.y(y), 3, 0, 2 * Math.PI);
            } else if (k === 0) {
              context.moveTo(to.x(x), to.y(y));
            } else {
              context.lineTo(to.x(x), to.y(y));
            }
          });
        }
        if (line.style === "points") context.fill();
        else context.stroke();
      }
      drawAxes(context, box, extent, xLabel, yLabel, scales);
      canvas.setAttribute("aria-label", describeLines(name, frame.data));
      legend.replaceChildren(
        ...series.map((line) => {
          const item = document.createElement("li");
          const swatch = document.createElement("span");
          swatch.className = "swatch";
          swatch.style.background = run.colors.colorOf(line.label);
          item.append(swatch, `${line.label}${line.style === "points" ? " (points)" : ""}`);
          return item;
        }),
      );
    },
    destroy() {
      host.replaceChildren();
    },
  };
}

export const scalesOf = (data: LinesData): Scales => ({ xLog: data.x_log, yLog: data.y_log });

/** Whether a value has a place on an axis: finite, and positive on a log axis. */
const placed = (value: number | null, log: boolean): value is number =>
  value !== null && Number.isFinite(value) && (!log || value > 0);

/**
 * The stretches of a series that can be drawn, as [x, y] points: a null y, or a value ≤ 0 on
 * a log axis, has no place and leaves a gap between the stretches either side of it.
 */
export function drawableRuns(line: LineSeries, scales: Scales): [number, number][][] {
  const runs: [number, number][][] = [];
  let current: [number, number][] = [];
  line.x.forEach((x, k) => {
    const y = line.y[k];
    if (placed(x, scales.xLog) && placed(y, scales.yLog)) {
      current.push([x, y]);
    } else if (current.length) {
      runs.push(current);
      current = [];
    }
  });
  if (current.length) runs.push(current);
  return runs;
}

/**
 * The axes' ranges: x over every x with a place on its axis (a gap keeps its room), y over
 * the drawable points, padded a little (by a ratio on a log axis).
 */
export function extentOf(series: LineSeries[], scales: Scales): Extent | null {
  const xs = series.flatMap((line) => line.x).filter((x) => placed(x, scales.xLog));
  const ys = series.flatMap((line) => drawableRuns(line, scales).flat()).map(([, y]) => y);
  if (!xs.length || !ys.length) return null;
  const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [yLow, yHigh] = scales.yLog
    ? padded(Math.log10(yMin), Math.log10(yMax)).map((e) => 10 ** e)
    : padded(yMin, yMax);
  const xEnd = xMax > xMin ? xMax : scales.xLog ? xMin * 10 : xMin + 1;
  return { xMin, xMax: xEnd, yMin: yLow, yMax: yHigh };
}

const padded = (low: number, high: number) => {
  const pad = (high - low || 1) * 0.06;
  return [low - pad, high + pad];
};

export function describeLines(name: string, data: LinesData): string {
  const logAxes = [data.x_log && "x", data.y_log && "y"].filter(Boolean);
  const scale = logAxes.length ? `; ${logAxes.join(" and ")} on a log scale` : "";
  return `${name}: ${data.series.map((s) => s.label).join(", ")}${scale}.`;
}
