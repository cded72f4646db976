/**
 * A list of 2-D points param (`widget: "points"`): the mapping between the canvas's pixels and
 * the plane [−R, R]², the text form of the points ("x, y" lines) and the most the param takes.
 * Pure: the editor component (PointsEditor.tsx) only renders and wires this.
 */

export type Point = [number, number];

/** A drag sprays a point each time the pointer has moved this far (in CSS pixels). */
export const SPRAY_SPACING_PX = 6;
/** Coordinates keep two decimals: the text stays readable, and the plane is ±R of a few units. */
const DECIMALS = 2;

const round = (value: number) => Number(value.toFixed(DECIMALS)) + 0; // + 0: no "-0"
const clamp = (value: number, range: number) => Math.min(range, Math.max(-range, value));

/** The plane's point under a pixel of a square canvas of `size` pixels showing [−R, R]²:
 * x grows to the right, y upwards (a pixel's y grows downwards). Clamped to the plane. */
export function toPlane(px: number, py: number, size: number, range: number): Point {
  const x = (px / size) * 2 * range - range;
  const y = range - (py / size) * 2 * range;
  return [round(clamp(x, range)), round(clamp(y, range))];
}

/** The pixel of a point of the plane on that canvas (the inverse of `toPlane`). */
export function toPixel(x: number, y: number, size: number, range: number): [number, number] {
  return [((x + range) / (2 * range)) * size, ((range - y) / (2 * range)) * size];
}

/** Whether a drag has moved far enough from the last sprayed point to spray another. */
export function farEnough(from: [number, number], to: [number, number], spacing = SPRAY_SPACING_PX): boolean {
  return Math.hypot(to[0] - from[0], to[1] - from[1]) >= spacing;
}

/** The points with `added` after them, as many as fit under `max`; `full`: some did not fit. */
export function withPoints(
  points: readonly Point[],
  added: readonly Point[],
  max: number,
): { points: Point[]; full: boolean } {
  const room = Math.max(0, max - points.length);
  return { points: [...points, ...added.slice(0, room)], full: added.length > room };
}

/** One line per point, "x, y": what the text box shows. */
export function formatPoints(points: readonly Point[]): string {
  return points.map(([x, y]) => `${x}, ${y}`).join("\n");
}

export interface LineError {
  /** 1-based, as an editor counts lines. */
  line: number;
  message: string;
}

export interface ParsedPoints {
  points: Point[];
  /** Every line that is not a point inside the plane; empty lines are skipped, never reported. */
  errors: LineError[];
  /** Set when there are more points than the param takes. */
  tooMany: string | null;
}

const NUMBER = String.raw`[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const LINE = new RegExp(String.raw`^\s*\(?\s*(${NUMBER})\s*(?:,|;|\s)\s*(${NUMBER})\s*\)?\s*,?\s*$`);

/**
 * The points of the text box: "x, y" per line (also "x y", "x; y" or "(x, y)", and a minus
 * sign "−" as pasted from the book). Lines that are not two numbers, or that lie outside
 * [−R, R]², are reported with their line numbers, never dropped in silence.
 */
export function parsePoints(text: string, range: number, max: number): ParsedPoints {
  const points: Point[] = [];
  const errors: LineError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === "") return;
    const line = index + 1;
    const match = LINE.exec(raw);
    if (!match) {
      errors.push({ line, message: `“${raw.trim()}” is not two numbers “x, y”` });
      return;
    }
    const [x, y] = [match[1], match[2]].map((part) => Number(part.replace("−", "-")));
    if (Math.abs(x) > range || Math.abs(y) > range) {
      errors.push({ line, message: `(${x}, ${y}) lies outside the plane: each coordinate within ±${range}` });
      return;
    }
    points.push([x, y]);
  });
  const tooMany =
    points.length > max
      ? `${count(points.length)} points: at most ${count(max)} are taken; remove some.`
      : null;
  return { points, errors, tooMany };
}

/** "37 points, at most 2,000". */
export function countLabel(n: number, max: number): string {
  const noun = n === 1 ? "point" : "points";
  return Number.isFinite(max) ? `${count(n)} ${noun}, at most ${count(max)}` : `${count(n)} ${noun}`;
}

/** "Line 3: “abc” is not two numbers “x, y”" (a few lines, then how many more). */
export function describeLineErrors(errors: readonly LineError[], shown = 3): string | null {
  if (errors.length === 0) return null;
  const listed = errors.slice(0, shown).map(({ line, message }) => `Line ${line}: ${message}.`);
  const more = errors.length - shown;
  return [...listed, ...(more > 0 ? [`And ${more} more line${more === 1 ? "" : "s"}.`] : [])].join(" ");
}

const count = (n: number) => n.toLocaleString("en-US");

/** Whether two lists hold the same points in the same order. */
export function samePoints(a: readonly Point[], b: readonly Point[]): boolean {
  return a.length === b.length && a.every(([x, y], i) => x === b[i][0] && y === b[i][1]);
}
