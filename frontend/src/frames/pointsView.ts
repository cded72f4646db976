/** `points` frames on their own (a run without a surface): trajectories on fitted axes. */

import { formatNumber } from "../run/paramDiff";
import { type Box, type Extent, drawAxes, fitCanvas, projector } from "./canvas";
import type { FrameContext, FrameView } from "./registry";
import { MAX_MARKED_STEPS, legendOf, trailsOf } from "./trails";

export function pointsRenderer(host: HTMLElement, { run }: FrameContext): FrameView {
  const canvas = document.createElement("canvas");
  const legend = document.createElement("div");
  canvas.setAttribute("role", "img");
  host.append(canvas, legend);
  return {
    update() {
      const trails = trailsOf(run);
      const extent = extentOf(trails.map((t) => t.points));
      if (!extent) return;
      const width = Math.max(240, host.clientWidth);
      const height = Math.round(width * 0.6);
      const context = fitCanvas(canvas, width, height);
      const box: Box = { left: 46, top: 8, width: width - 56, height: height - 52 };
      const to = projector(box, extent);
      for (const trail of trails) {
        const { xs, ys, length } = trail.points;
        context.strokeStyle = context.fillStyle = trail.color;
        context.lineWidth = 2;
        context.beginPath();
        for (let k = 0; k < length; k++) context.lineTo(to.x(xs[k]), to.y(ys[k]));
        context.stroke();
        const marked = length <= MAX_MARKED_STEPS ? 0 : length - 1;
        for (let k = marked; k < length; k++) {
          context.beginPath();
          context.arc(to.x(xs[k]), to.y(ys[k]), k === length - 1 ? 5 : 2.5, 0, 2 * Math.PI);
          context.fill();
        }
      }
      drawAxes(context, box, extent, "x", "y");
      canvas.setAttribute("aria-label", `Paths of ${trails.map((t) => t.label).join(", ")}.`);
      legend.replaceChildren(legendOf(trails, formatNumber));
    },
    destroy() {
      host.replaceChildren();
    },
  };
}

function extentOf(series: { xs: Float64Array; ys: Float64Array; length: number }[]): Extent | null {
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { xs, ys, length } of series) {
    for (let k = 0; k < length; k++) {
      xMin = Math.min(xMin, xs[k]);
      xMax = Math.max(xMax, xs[k]);
      yMin = Math.min(yMin, ys[k]);
      yMax = Math.max(yMax, ys[k]);
    }
  }
  if (!Number.isFinite(xMin)) return null;
  const padX = (xMax - xMin || 1) * 0.08;
  const padY = (yMax - yMin || 1) * 0.08;
  return { xMin: xMin - padX, xMax: xMax + padX, yMin: yMin - padY, yMax: yMax + padY };
}
