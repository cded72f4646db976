/** `heatmap` frames (a confusion matrix, attention weights): cells in viridis, labelled axes. */

import type { HeatmapData } from "../api/types";
import { rgb, viridis } from "../charts/palette";
import { formatNumber } from "../run/paramDiff";
import { fitCanvas } from "./canvas";
import type { FrameContext, FrameView } from "./registry";

const MAX_CELL = 36;
const LABEL_FONT = "11px system-ui, sans-serif";
const LABEL_SPACING = 13; // px

export function heatmapRenderer(host: HTMLElement, { run, name }: FrameContext): FrameView {
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  const scale = document.createElement("p");
  scale.className = "heatmap-scale";
  host.append(canvas, scale);
  let shownSeq = -1;
  return {
    update() {
      const frame = run.frameOf(name, "heatmap");
      if (!frame || frame.seq === shownSeq) return;
      shownSeq = frame.seq;
      const { data } = frame;
      const [low, high] = drawHeatmap(canvas, data, Math.max(240, host.clientWidth));
      scale.replaceChildren(scaleBar(low, high));
      canvas.setAttribute(
        "aria-label",
        `Heatmap ${name}: ${data.values.length} rows × ${data.values[0]?.length ?? 0} columns, values from ${formatNumber(low)} to ${formatNumber(high)}.`,
      );
    },
    destroy() {
      host.replaceChildren();
    },
  };
}

/** Draws the heatmap; returns the value range mapped onto the color scale. */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  data: HeatmapData,
  maxWidth: number,
): [number, number] {
  const rows = data.values.length;
  const columns = data.values[0]?.length ?? 0;
  const measure = document.createElement("canvas").getContext("2d")!;
  measure.font = LABEL_FONT;
  const widest = (labels: string[]) => Math.max(0, ...labels.map((l) => measure.measureText(l).width));
  const left = Math.ceil(widest(data.y_labels)) + 8;
  const bottom = Math.ceil(widest(data.x_labels)) + 12; // x labels are written at 45°
  const cell = Math.max(4, Math.min(MAX_CELL, Math.floor((maxWidth - left - 8) / Math.max(1, columns))));
  const context = fitCanvas(canvas, left + cell * columns + 8, cell * rows + bottom + 8);
  const finite = data.values.flat().filter(isValue);
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  data.values.forEach((row, i) =>
    row.forEach((value, j) => {
      context.fillStyle = isValue(value)
        ? rgb(viridis(high > low ? (value - low) / (high - low) : 0.5))
        : "#ddd";
      context.fillRect(left + j * cell, 4 + i * cell, cell, cell);
    }),
  );
  context.fillStyle = "#333";
  context.font = LABEL_FONT;
  context.textAlign = "right";
  context.textBaseline = "middle";
  // Labels closer than a line of text would overlap: show every n-th.
  const every = Math.ceil(LABEL_SPACING / cell);
  data.y_labels.forEach(
    (label, i) => i % every === 0 && context.fillText(label, left - 4, 4 + (i + 0.5) * cell),
  );
  data.x_labels.forEach((label, j) => {
    if (j % every !== 0) return;
    context.save();
    context.translate(left + (j + 0.5) * cell, 4 + rows * cell + 6);
    context.rotate(-Math.PI / 4);
    context.fillText(label, 0, 0);
    context.restore();
  });
  return [low, high];
}

/** A cell with a value: null (and a non-finite number) is drawn as a cell without one. */
const isValue = (value: number | null): value is number => value !== null && Number.isFinite(value);

function scaleBar(low: number, high: number): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const bar = document.createElement("span");
  bar.className = "scale-bar";
  bar.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => rgb(viridis(t))).join(", ")})`;
  fragment.append(formatNumber(low), " ", bar, " ", formatNumber(high));
  return fragment;
}
