/** `lines` frames: curves and scatters on shared axes (a fit against the data, say). */

import type { LineSeries } from "../api/types";
import { type Box, type Extent, drawAxes, fitCanvas, projector } from "./canvas";
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
      const extent = extentOf(series);
      if (!extent) return;
      const height = Math.round(width * 0.65);
      const context = fitCanvas(canvas, width, height);
      const box: Box = { left: 46, top: 8, width: width - 56, height: height - 52 };
      const to = projector(box, extent);
      for (const line of series) {
        const color = run.colors.colorOf(line.label);
        context.strokeStyle = context.fillStyle = color;
        context.lineWidth = 2;
        context.beginPath();
        line.x.forEach((x, k) => {
          const y = line.y[k];
          if (y === null || !Number.isFinite(y)) return;
          if (line.style === "points") {
            context.moveTo(to.x(x) + 3, to.y(y));
            context.arc(to.x(x), to.y(y), 3, 0, 2 * Math.PI);
          } else if (k === 0 || line.y[k - 1] === null) {
            context.moveTo(to.x(x), to.y(y)); // a null y leaves a gap
          } else {
            context.lineTo(to.x(x), to.y(y));
          }
        });
        if (line.style === "points") context.fill();
        else context.stroke();
      }
      drawAxes(context, box, extent, "x", "y");
      canvas.setAttribute("aria-label", `${name}: ${series.map((s) => s.label).join(", ")}.`);
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

function extentOf(series: LineSeries[]): Extent | null {
  const xs = series.flatMap((s) => s.x).filter(Number.isFinite);
  const ys = series.flatMap((s) => s.y).filter((y): y is number => y !== null && Number.isFinite(y));
  if (!xs.length || !ys.length) return null;
  const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const padY = (yMax - yMin || 1) * 0.06;
  return { xMin, xMax: xMax > xMin ? xMax : xMin + 1, yMin: yMin - padY, yMax: yMax + padY };
}
