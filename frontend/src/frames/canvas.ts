/** Small helpers shared by the canvas renderers: crisp canvases, nice ticks, plain or log10 axes. */

/** Size a canvas for the screen's pixel density; returns its context in CSS pixels. */
export function fitCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const context = canvas.getContext("2d")!;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}

/** About `count` round numbers (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Extent {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** Which axes are logarithmic (base 10); on such an axis only positive values have a place. */
export interface Scales {
  xLog: boolean;
  yLog: boolean;
}

export const LINEAR: Scales = { xLog: false, yLog: false };

export interface Tick {
  value: number;
  /** Empty for a minor tick, drawn shorter and unlabelled. */
  label: string;
}

/** A value's position along an axis: itself, or its log10 (NaN for a value ≤ 0) on a log axis. */
const along = (log: boolean) => (log ? Math.log10 : (v: number) => v);

/** Maps data coordinates into a box (y up); positions off a log axis (values ≤ 0) are NaN. */
export function projector(box: Box, extent: Extent, scales: Scales = LINEAR) {
  const [fx, fy] = [along(scales.xLog), along(scales.yLog)];
  const [x0, x1, y0, y1] = [fx(extent.xMin), fx(extent.xMax), fy(extent.yMin), fy(extent.yMax)];
  return {
    x: (x: number) => box.left + ((fx(x) - x0) / (x1 - x0)) * box.width,
    y: (y: number) => box.top + (1 - (fy(y) - y0) / (y1 - y0)) * box.height,
  };
}

/** Ticks of an axis over [min, max]: round numbers, or powers of ten on a log axis. */
export function axisTicks(min: number, max: number, log: boolean): Tick[] {
  return log ? logTicks(min, max) : niceTicks(min, max).map((value) => ({ value, label: String(value) }));
}

/**
 * Ticks of a log axis over [min, max] (both > 0): labelled powers of ten (every n-th when
 * there are more than `count` decades), the others and 2–9 × 10^k as minor ticks. Less than
 * two decades get 1, 2 and 5 × 10^k labelled; less than that, round numbers.
 */
export function logTicks(min: number, max: number, count = 6): Tick[] {
  if (!(min > 0 && max > min)) return min > 0 ? [{ value: min, label: powerLabel(min) }] : [];
  const [low, high] = [Math.floor(Math.log10(min)), Math.ceil(Math.log10(max))];
  const inside = (value: number) => value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9);
  const multiples = (steps: number[]) =>
    range(low, high)
      .flatMap((k) => steps.map((m) => [m, k] as const))
      .filter(([m, k]) => inside(tenTo(m, k)));
  const powers = multiples([1]);
  if (powers.length < 2) {
    const round = multiples([1, 2, 5]);
    if (round.length >= 2)
      return round.map(([m, k]) => ({ value: tenTo(m, k), label: powerLabel(tenTo(m, k)) }));
    return niceTicks(min, max)
      .filter((value) => value > 0)
      .map((value) => ({ value, label: powerLabel(value) }));
  }
  const every = Math.ceil(powers.length / count);
  const labelled = (k: number) => (((k % every) + every) % every === 0 ? powerLabel(tenTo(1, k)) : "");
  const ticks: Tick[] = powers.map(([, k]) => ({ value: tenTo(1, k), label: labelled(k) }));
  if (every === 1) {
    ticks.push(...multiples([2, 3, 4, 5, 6, 7, 8, 9]).map(([m, k]) => ({ value: tenTo(m, k), label: "" })));
  }
  return ticks.sort((a, b) => a.value - b.value);
}

/** A tick's label: plain from 0.001 to 1000 (0.01, 20), else in e-notation (1e-6, 5e7). */
export function powerLabel(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e4) return String(Number(value.toPrecision(6)));
  const [mantissa, exponent] = value.toExponential().split("e");
  return `${Number(Number(mantissa).toPrecision(6))}e${Number(exponent)}`;
}

/** m × 10^k, as the literal would read it (10 ** -6 is not quite 1e-6). */
const tenTo = (m: number, k: number) => Number(`${m}e${k}`);

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const TICK_FONT = "11px system-ui, sans-serif";

/** The room the y axis takes left of the box: its tick labels, and its name when it has one. */
export function yAxisRoom(
  context: CanvasRenderingContext2D,
  extent: Extent,
  scales: Scales,
  yLabel: string,
): number {
  context.save();
  context.font = TICK_FONT;
  const room =
    widestLabel(context, axisTicks(extent.yMin, extent.yMax, scales.yLog)) + 10 + (yLabel ? 18 : 0);
  context.restore();
  return Math.ceil(room);
}

const widestLabel = (context: CanvasRenderingContext2D, ticks: Tick[]) =>
  Math.max(0, ...ticks.map((tick) => context.measureText(tick.label).width));

export function drawAxes(
  context: CanvasRenderingContext2D,
  box: Box,
  extent: Extent,
  xLabel: string,
  yLabel: string,
  scales: Scales = LINEAR,
): void {
  const to = projector(box, extent, scales);
  context.save();
  context.strokeStyle = "#888";
  context.fillStyle = "#333";
  context.font = TICK_FONT;
  context.strokeRect(box.left, box.top, box.width, box.height);
  context.textAlign = "center";
  context.textBaseline = "top";
  for (const tick of axisTicks(extent.xMin, extent.xMax, scales.xLog)) {
    const x = to.x(tick.value);
    context.beginPath();
    context.moveTo(x, box.top + box.height);
    context.lineTo(x, box.top + box.height + (tick.label ? 4 : 2));
    context.stroke();
    context.fillText(tick.label, x, box.top + box.height + 6);
  }
  context.fillText(xLabel, box.left + box.width / 2, box.top + box.height + 20);
  context.textAlign = "right";
  context.textBaseline = "middle";
  const yTicks = axisTicks(extent.yMin, extent.yMax, scales.yLog);
  for (const tick of yTicks) {
    const y = to.y(tick.value);
    context.beginPath();
    context.moveTo(box.left - (tick.label ? 4 : 2), y);
    context.lineTo(box.left, y);
    context.stroke();
    context.fillText(tick.label, box.left - 6, y);
  }
  // the name beside the widest tick label, so that a long one (1e-10) never runs into it
  context.translate(Math.max(8, box.left - 14 - widestLabel(context, yTicks)), box.top + box.height / 2);
  context.rotate(-Math.PI / 2);
  context.textAlign = "center";
  context.fillText(yLabel, 0, 0);
  context.restore();
}
