/**
 * `scatter` frames: points on a plane, each written with its own label and coloured by its
 * group (word vectors projected to 2-D: frequent words, a probe word's neighbours, the probe).
 * The groups take the palette's colours in the order they first appear; a point drawn later
 * is drawn on top, so a frame lists the points that matter most last.
 */

import type { ScatterData } from "../api/types";
import { LINE_COLORS } from "../charts/palette";
import { type Box, type Extent, drawAxes, fitCanvas, projector } from "./canvas";
import type { FrameContext, FrameView } from "./registry";
import { emptyNote, swatchItem } from "./panelParts";

const FONT = "11px system-ui, sans-serif";
/** Up to this many points, the text screen readers get names every point of each group. */
const MANY_POINTS = 60;
const MAX_LABEL_CHARS = 18;
/** More labelled points than this take a whole row of the picture panels, room to read them. */
const WIDE_FROM_POINTS = 12;

/** The distinct groups, in the order their first point comes. */
export function groupsOf(data: ScatterData): string[] {
  return [...new Set(data.groups)];
}

export const groupColor = (index: number) => LINE_COLORS[index % LINE_COLORS.length];

/** The points' extent, 8% wider on each side (room for the labels); null without points. */
export function scatterExtent(points: ScatterData["points"]): Extent | null {
  const finite = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (finite.length === 0) return null;
  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const padX = (xMax - xMin || 1) * 0.08;
  const padY = (yMax - yMin || 1) * 0.08;
  return { xMin: xMin - padX, xMax: xMax + padX, yMin: yMin - padY, yMax: yMax + padY };
}

export function shortLabel(label: string): string {
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

/** What a screen reader says: each group's labels while the points are few, else counts. */
export function describeScatter(name: string, data: ScatterData): string {
  const groups = groupsOf(data).map((group) => {
    const labels = data.labels.filter((_, i) => data.groups[i] === group);
    return data.labels.length <= MANY_POINTS
      ? `${group}: ${labels.join(", ")}`
      : `${group}: ${labels.length} points`;
  });
  return `${name}: ${data.labels.length} labelled points. ${groups.join("; ")}.`;
}

export function scatterRenderer(host: HTMLElement, { run, name }: FrameContext): FrameView {
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  const legend = document.createElement("ul");
  legend.className = "trail-legend";
  let shownSeq = -1;
  let shownWidth = 0;
  return {
    update() {
      const frame = run.frameOf(name, "scatter");
      if (!frame) return;
      const extent = scatterExtent(frame.data.points);
      if (!extent) {
        if (frame.seq !== shownSeq) host.replaceChildren(emptyNote("No points in this picture yet."));
        shownSeq = frame.seq;
        return;
      }
      if (!canvas.isConnected) host.replaceChildren(canvas, legend);
      // before the width is read: it widens the panel
      canvas.classList.toggle("scatter-wide", frame.data.points.length > WIDE_FROM_POINTS);
      const width = Math.max(240, host.clientWidth);
      if (frame.seq === shownSeq && width === shownWidth) return;
      [shownSeq, shownWidth] = [frame.seq, width];
      drawScatter(canvas, frame.data, extent, width);
      canvas.setAttribute("aria-label", describeScatter(name, frame.data));
      legend.replaceChildren(...groupsOf(frame.data).map((group, i) => swatchItem(group, groupColor(i))));
    },
    destroy() {
      host.replaceChildren();
    },
  };
}

function drawScatter(canvas: HTMLCanvasElement, data: ScatterData, extent: Extent, width: number): void {
  const height = Math.round(Math.min(520, Math.max(240, width * 0.7)));
  const context = fitCanvas(canvas, width, height);
  const box: Box = { left: 46, top: 8, width: width - 56, height: height - 52 };
  const to = projector(box, extent);
  const groups = groupsOf(data);
  context.font = FONT;
  context.textBaseline = "middle";
  data.points.forEach(([x, y], i) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const [px, py] = [to.x(x), to.y(y)];
    const color = groupColor(groups.indexOf(data.groups[i]));
    context.fillStyle = color;
    context.beginPath();
    context.arc(px, py, 3.5, 0, 2 * Math.PI);
    context.fill();
    // the label on the side with more room, so the rightmost words stay inside the plot
    const right = px < box.left + box.width * 0.8;
    context.textAlign = right ? "left" : "right";
    context.fillText(shortLabel(data.labels[i]), px + (right ? 6 : -6), py);
  });
  drawAxes(context, box, extent, data.x_label || "x", data.y_label || "y");
}
