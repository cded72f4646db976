/**
 * The `surface` frame: a contour map and a 3-D view of f, with every trajectory of the run
 * (its `points` frames) drawn on both in the colors of the chart legend.
 */

import type { SurfaceData } from "../api/types";
import { paleViridis, rgb, viridis } from "../charts/palette";
import { formatNumber } from "../run/paramDiff";
import { type Box, type Extent, drawAxes, fitCanvas, projector } from "./canvas";
import { contourSegments, heightScale, quantileLevels, rankNormalizer, sampleGrid } from "./contour";
import type { FrameContext, FrameView } from "./registry";
import { MAX_MARKED_STEPS, type Trail, legendOf, trailsOf } from "./trails";

const CONTOUR_LEVELS = 14;
const FIGURE_ASPECT = 0.8; // both views the same size, side by side
const MAX_3D_CELLS = 40; // per side: enough for a smooth look, few enough to sort each redraw

export function surfaceRenderer(host: HTMLElement, { run, name }: FrameContext): FrameView {
  const contour = new ContourMap();
  const surface3d = new Surface3D(() => view.update());
  const legend = document.createElement("div");
  const figures = document.createElement("div");
  figures.className = "surface-figures";
  figures.append(contour.figure, surface3d.figure);
  host.append(figures, legend);

  const view: FrameView = {
    update() {
      const frame = run.frameOf(name, "surface");
      if (!frame) return;
      const { data } = frame;
      const trails = trailsOf(run);
      const width = Math.max(240, Math.floor((figures.clientWidth - 20) / 2));
      contour.draw(data, frame.seq, trails, width);
      surface3d.draw(data, frame.seq, trails, width);
      legend.replaceChildren(legendOf(trails, formatNumber));
    },
    destroy() {
      host.replaceChildren();
    },
  };
  return view;
}

function figureWith(canvas: HTMLCanvasElement, caption: string): HTMLElement {
  const figure = document.createElement("figure");
  const text = document.createElement("figcaption");
  text.textContent = caption;
  figure.append(canvas, text);
  return figure;
}

function describe(data: SurfaceData, trails: Trail[], what: string): string {
  const range = (v: number[]) => `${formatNumber(v[0])} to ${formatNumber(v[v.length - 1])}`;
  const names = trails.map((t) => t.label).join(", ");
  return `${what} of f over x1 from ${range(data.x)} and x2 from ${range(data.y)}${names ? `, with the paths of ${names}` : ""}.`;
}

class ContourMap {
  readonly canvas = document.createElement("canvas");
  readonly figure = figureWith(this.canvas, "Contour map: darker is lower; ✕ marks a minimum.");
  private readonly base = new CachedLayer();

  draw(data: SurfaceData, seq: number, trails: Trail[], width: number): void {
    const extent: Extent = { xMin: data.x[0], xMax: data.x.at(-1)!, yMin: data.y[0], yMax: data.y.at(-1)! };
    const height = Math.round(width * FIGURE_ASPECT);
    const box: Box = { left: 46, top: 8, width: width - 56, height: height - 52 };
    const to = projector(box, extent);
    const context = fitCanvas(this.canvas, width, height);
    context.drawImage(
      this.base.get([seq, width], width, height, (layer) => this.drawBase(layer, data, box, extent)),
      0,
      0,
      width,
      height,
    );
    context.save();
    context.beginPath();
    context.rect(box.left, box.top, box.width, box.height);
    context.clip();
    for (const trail of trails) drawTrail(context, trail, (x, y) => [to.x(x), to.y(y)]);
    context.restore();
    this.figure.style.width = `${width}px`; // the caption wraps under the picture
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", describe(data, trails, "Contour map"));
  }

  /** What changes only with the surface or the size: colors, contours, minima, axes. */
  private drawBase(context: CanvasRenderingContext2D, data: SurfaceData, box: Box, extent: Extent): void {
    const to = projector(box, extent);
    context.imageSmoothingEnabled = true;
    context.drawImage(backgroundOf(data), box.left, box.top, box.width, box.height);
    context.strokeStyle = "rgba(40, 40, 60, 0.35)";
    context.lineWidth = 1;
    context.beginPath();
    for (const level of quantileLevels(data.z, CONTOUR_LEVELS)) {
      for (const [x1, y1, x2, y2] of contourSegments(data.x, data.y, data.z, level)) {
        context.moveTo(to.x(x1), to.y(y1));
        context.lineTo(to.x(x2), to.y(y2));
      }
    }
    context.stroke();
    for (const [mx, my] of data.minima) drawCross(context, to.x(mx), to.y(my));
    drawAxes(context, box, extent, "x1", "x2");
  }
}

/**
 * A picture layer drawn once and reused while its key stays the same, so a redraw for a new
 * trajectory point costs a copy, not the whole surface.
 */
class CachedLayer {
  private readonly canvas = document.createElement("canvas");
  private key = "";

  get(
    key: unknown[],
    width: number,
    height: number,
    draw: (context: CanvasRenderingContext2D) => void,
  ): HTMLCanvasElement {
    const serialized = JSON.stringify(key);
    if (serialized !== this.key) {
      this.key = serialized;
      draw(fitCanvas(this.canvas, width, height));
    }
    return this.canvas;
  }
}

/** f on the grid as pale viridis by rank, one pixel per grid point (scaled up smoothly). */
function backgroundOf(data: SurfaceData): HTMLCanvasElement {
  const rank = rankNormalizer(data.z);
  const background = document.createElement("canvas");
  background.width = data.x.length;
  background.height = data.y.length;
  const context = background.getContext("2d")!;
  const image = context.createImageData(data.x.length, data.y.length);
  data.z.forEach((row, i) => {
    row.forEach((value, j) => {
      // row i is y[i], and y grows upwards: image rows run top-down
      const offset = ((data.y.length - 1 - i) * data.x.length + j) * 4;
      const [r, g, b] = paleViridis(rank(value));
      image.data.set([r, g, b, 255], offset);
    });
  });
  context.putImageData(image, 0, 0);
  return background;
}

type ToScreen = (x: number, y: number) => [number, number];

function drawTrail(context: CanvasRenderingContext2D, trail: Trail, toScreen: ToScreen): void {
  const { xs, ys, length } = trail.points;
  if (length === 0) return;
  context.strokeStyle = trail.color;
  context.fillStyle = trail.color;
  context.lineWidth = 2;
  context.lineJoin = "round";
  context.beginPath();
  // Steps closer than a pixel to the last point drawn add nothing to the picture but cost a
  // segment each: a converged run of 100,000 steps draws as a few hundred.
  let [lastX, lastY] = toScreen(xs[0], ys[0]);
  context.moveTo(lastX, lastY);
  for (let k = 1; k < length; k++) {
    const [sx, sy] = toScreen(xs[k], ys[k]);
    if (Math.abs(sx - lastX) < 1 && Math.abs(sy - lastY) < 1 && k < length - 1) continue;
    context.lineTo(sx, sy);
    [lastX, lastY] = [sx, sy];
  }
  context.stroke();
  if (length <= MAX_MARKED_STEPS) {
    for (let k = 0; k < length; k++) {
      const [sx, sy] = toScreen(xs[k], ys[k]);
      context.beginPath();
      context.arc(sx, sy, 2.5, 0, 2 * Math.PI);
      context.fill();
    }
  }
  const [cx, cy] = toScreen(xs[length - 1], ys[length - 1]);
  context.beginPath();
  context.arc(cx, cy, 5.5, 0, 2 * Math.PI);
  context.fill();
  context.strokeStyle = "#fff";
  context.lineWidth = 2;
  context.stroke();
}

function drawCross(context: CanvasRenderingContext2D, x: number, y: number): void {
  context.save();
  context.lineCap = "round";
  for (const [color, width] of [
    ["#fff", 5],
    ["#000", 2],
  ] as const) {
    context.strokeStyle = color;
    context.lineWidth = width;
    context.beginPath();
    context.moveTo(x - 5, y - 5);
    context.lineTo(x + 5, y + 5);
    context.moveTo(x + 5, y - 5);
    context.lineTo(x - 5, y + 5);
    context.stroke();
  }
  context.restore();
}

type Projection = (x: number, y: number, h: number) => [number, number];

interface Quad {
  corners: [number, number][];
  depth: number;
  height: number;
}

/** A small software 3-D view: painter's algorithm over the grid's cells, turned with mouse or keys. */
class Surface3D {
  readonly canvas = document.createElement("canvas");
  readonly figure = figureWith(
    this.canvas,
    "3-D surface: drag it, or focus it and use the arrow keys, to turn it.",
  );
  private azimuth = -0.9;
  private elevation = 0.55;
  private cachedSeq = -1;
  private height: (value: number) => number = () => 0;
  private readonly base = new CachedLayer();

  constructor(private readonly redraw: () => void) {
    this.canvas.tabIndex = 0;
    this.canvas.className = "surface-3d";
    this.canvas.addEventListener("pointerdown", this.startDrag);
    this.canvas.addEventListener("keydown", this.onKey);
  }

  draw(data: SurfaceData, seq: number, trails: Trail[], width: number): void {
    if (seq !== this.cachedSeq) {
      this.cachedSeq = seq;
      this.height = heightScale(data.z);
    }
    const height = Math.round(width * FIGURE_ASPECT);
    const project = this.projector(data, width, height);
    const context = fitCanvas(this.canvas, width, height);
    const key = [seq, width, this.azimuth, this.elevation];
    context.drawImage(
      this.base.get(key, width, height, (layer) => this.drawSurface(layer, data, project, width, height)),
      0,
      0,
      width,
      height,
    );
    // A path that leaves the drawn domain (a diverging run) runs along its border instead.
    const [x0, x1, y0, y1] = [data.x[0], data.x.at(-1)!, data.y[0], data.y.at(-1)!];
    const onSurface: ToScreen = (x, y) => {
      const [cx, cy] = [Math.min(x1, Math.max(x0, x)), Math.min(y1, Math.max(y0, y))];
      return project(cx, cy, this.height(sampleGrid(data.x, data.y, data.z, cx, cy)) + 0.01);
    };
    for (const [mx, my] of data.minima) drawCross(context, ...onSurface(mx, my));
    for (const trail of trails) drawTrail(context, trail, onSurface);
    this.figure.style.width = `${width}px`;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute(
      "aria-label",
      `${describe(data, trails, "3-D surface")} The arrow keys turn it.`,
    );
  }

  private drawSurface(
    context: CanvasRenderingContext2D,
    data: SurfaceData,
    project: Projection,
    width: number,
    height: number,
  ): void {
    context.fillStyle = "#fafafa";
    context.fillRect(0, 0, width, height);
    const quads = this.quads(data, project);
    quads.sort((a, b) => a.depth - b.depth);
    context.lineWidth = 0.5;
    context.strokeStyle = "rgba(0, 0, 0, 0.18)";
    for (const quad of quads) {
      context.fillStyle = rgb(viridis(quad.height));
      context.beginPath();
      quad.corners.forEach(([x, y], k) => (k === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
      context.closePath();
      context.fill();
      context.stroke();
    }
    this.drawAxisNames(context, data, project);
  }

  /** (x, y, height 0..1) → canvas pixels, for the current angles. */
  private projector(data: SurfaceData, width: number, height: number) {
    const [x0, x1, y0, y1] = [data.x[0], data.x.at(-1)!, data.y[0], data.y.at(-1)!];
    const scale = Math.min(width, height) * 0.36;
    const [cosA, sinA, cosE, sinE] = [
      Math.cos(this.azimuth),
      Math.sin(this.azimuth),
      Math.cos(this.elevation),
      Math.sin(this.elevation),
    ];
    return (x: number, y: number, h: number): [number, number] => {
      const X = ((x - x0) / (x1 - x0)) * 2 - 1;
      const Y = ((y - y0) / (y1 - y0)) * 2 - 1;
      const Z = (h - 0.5) * 0.9;
      const right = X * cosA - Y * sinA;
      const away = X * sinA + Y * cosA;
      const up = away * sinE + Z * cosE;
      return [width / 2 + right * scale, height / 2 - up * scale];
    };
  }

  private quads(data: SurfaceData, project: Projection): Quad[] {
    const stride = Math.max(1, Math.ceil((Math.max(data.x.length, data.y.length) - 1) / MAX_3D_CELLS));
    const [cosA, sinA, cosE, sinE] = [
      Math.cos(this.azimuth),
      Math.sin(this.azimuth),
      Math.cos(this.elevation),
      Math.sin(this.elevation),
    ];
    const quads: Quad[] = [];
    for (let i = 0; i + stride < data.y.length; i += stride) {
      for (let j = 0; j + stride < data.x.length; j += stride) {
        const cells: [number, number][] = [
          [i, j],
          [i, j + stride],
          [i + stride, j + stride],
          [i + stride, j],
        ];
        const heights = cells.map(([a, b]) => this.height(data.z[a][b]));
        const mean = heights.reduce((s, h) => s + h, 0) / 4;
        // depth towards the viewer, from the cell's center, in the projector's frame
        const X = (((data.x[j] + data.x[j + stride]) / 2 - data.x[0]) / (data.x.at(-1)! - data.x[0])) * 2 - 1;
        const Y = (((data.y[i] + data.y[i + stride]) / 2 - data.y[0]) / (data.y.at(-1)! - data.y[0])) * 2 - 1;
        const away = X * sinA + Y * cosA;
        const depth = -away * cosE + (mean - 0.5) * 0.9 * sinE;
        quads.push({
          corners: cells.map(([a, b], k) => project(data.x[b], data.y[a], heights[k])),
          depth,
          height: mean,
        });
      }
    }
    return quads;
  }

  private drawAxisNames(context: CanvasRenderingContext2D, data: SurfaceData, project: Projection) {
    const midX = (data.x[0] + data.x.at(-1)!) / 2;
    const midY = (data.y[0] + data.y.at(-1)!) / 2;
    context.fillStyle = "#333";
    context.font = "12px system-ui, sans-serif";
    context.textAlign = "center";
    context.fillText("x1", ...project(midX, data.y[0] - (data.y.at(-1)! - data.y[0]) * 0.12, 0));
    context.fillText("x2", ...project(data.x.at(-1)! + (data.x.at(-1)! - data.x[0]) * 0.12, midY, 0));
  }

  private turn(dAzimuth: number, dElevation: number): void {
    this.azimuth += dAzimuth;
    this.elevation = Math.min(1.5, Math.max(0.05, this.elevation + dElevation));
    this.redraw();
  }

  private readonly startDrag = (event: PointerEvent) => {
    let [lastX, lastY] = [event.clientX, event.clientY];
    this.canvas.setPointerCapture(event.pointerId);
    const move = (e: PointerEvent) => {
      this.turn((e.clientX - lastX) * 0.01, (e.clientY - lastY) * 0.01);
      [lastX, lastY] = [e.clientX, e.clientY];
    };
    const end = () => {
      this.canvas.removeEventListener("pointermove", move);
      this.canvas.removeEventListener("pointerup", end);
    };
    this.canvas.addEventListener("pointermove", move);
    this.canvas.addEventListener("pointerup", end);
  };

  private readonly onKey = (event: KeyboardEvent) => {
    const turns: Record<string, [number, number]> = {
      ArrowLeft: [-0.15, 0],
      ArrowRight: [0.15, 0],
      ArrowUp: [0, 0.1],
      ArrowDown: [0, -0.1],
    };
    const turn = turns[event.key];
    if (!turn) return;
    event.preventDefault();
    this.turn(...turn);
  };
}
