/** Small helpers shared by the canvas renderers: crisp canvases, nice ticks, plain axes. */

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

/** Maps data coordinates into a box (y up). */
export function projector(box: Box, extent: Extent) {
  return {
    x: (x: number) => box.left + ((x - extent.xMin) / (extent.xMax - extent.xMin)) * box.width,
    y: (y: number) => box.top + (1 - (y - extent.yMin) / (extent.yMax - extent.yMin)) * box.height,
  };
}

export function drawAxes(
  context: CanvasRenderingContext2D,
  box: Box,
  extent: Extent,
  xLabel: string,
  yLabel: string,
): void {
  const to = projector(box, extent);
  context.save();
  context.strokeStyle = "#888";
  context.fillStyle = "#333";
  context.font = "11px system-ui, sans-serif";
  context.strokeRect(box.left, box.top, box.width, box.height);
  context.textAlign = "center";
  context.textBaseline = "top";
  for (const tick of niceTicks(extent.xMin, extent.xMax)) {
    const x = to.x(tick);
    context.beginPath();
    context.moveTo(x, box.top + box.height);
    context.lineTo(x, box.top + box.height + 4);
    context.stroke();
    context.fillText(String(tick), x, box.top + box.height + 6);
  }
  context.fillText(xLabel, box.left + box.width / 2, box.top + box.height + 20);
  context.textAlign = "right";
  context.textBaseline = "middle";
  for (const tick of niceTicks(extent.yMin, extent.yMax)) {
    const y = to.y(tick);
    context.beginPath();
    context.moveTo(box.left - 4, y);
    context.lineTo(box.left, y);
    context.stroke();
    context.fillText(String(tick), box.left - 6, y);
  }
  context.translate(box.left - 34, box.top + box.height / 2);
  context.rotate(-Math.PI / 2);
  context.textAlign = "center";
  context.fillText(yLabel, 0, 0);
  context.restore();
}
