/** Contour lines of a function sampled on a grid (marching squares), and where to draw them. */

export type Segment = [number, number, number, number]; // x1, y1, x2, y2 in data coordinates

/**
 * Levels at evenly spaced quantiles of the sampled values, so contours spread over the whole
 * picture even for steep functions (Rosenbrock spans 0..2,500 but its valley is near 0).
 */
export function quantileLevels(z: readonly (readonly number[])[], count: number): number[] {
  const values = z
    .flat()
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (values.length === 0) return [];
  const levels = Array.from(
    { length: count },
    (_, k) => values[Math.floor(((k + 0.5) / count) * (values.length - 1))],
  );
  return [...new Set(levels)];
}

/** Where f = level crosses the grid, as line segments (z[i][j] = f(x[j], y[i])). */
export function contourSegments(
  x: readonly number[],
  y: readonly number[],
  z: readonly (readonly number[])[],
  level: number,
): Segment[] {
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < y.length; i++) {
    for (let j = 0; j + 1 < x.length; j++) {
      // corners counter-clockwise from the bottom left; edges between consecutive corners
      const corners: [number, number, number][] = [
        [x[j], y[i], z[i][j]],
        [x[j + 1], y[i], z[i][j + 1]],
        [x[j + 1], y[i + 1], z[i + 1][j + 1]],
        [x[j], y[i + 1], z[i + 1][j]],
      ];
      const crossings: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const [xa, ya, za] = corners[e];
        const [xb, yb, zb] = corners[(e + 1) % 4];
        if (za < level !== zb < level) {
          const t = (level - za) / (zb - za);
          crossings.push([xa + t * (xb - xa), ya + t * (yb - ya)]);
        }
      }
      // two crossings: one segment; four (a saddle cell): pair them in edge order
      for (let k = 0; k + 1 < crossings.length; k += 2) {
        segments.push([crossings[k][0], crossings[k][1], crossings[k + 1][0], crossings[k + 1][1]]);
      }
    }
  }
  return segments;
}

/** z values mapped to [0, 1] by rank: a color per value that uses the whole color scale. */
export function rankNormalizer(z: readonly (readonly number[])[]): (value: number) => number {
  const sorted = z
    .flat()
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return (value) => {
    if (sorted.length < 2) return 0.5;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo / (sorted.length - 1);
  };
}

/** Bilinear interpolation of the grid at (px, py), clamped to the grid's border. */
export function sampleGrid(
  x: readonly number[],
  y: readonly number[],
  z: readonly (readonly number[])[],
  px: number,
  py: number,
): number {
  const locate = (axis: readonly number[], v: number): [number, number] => {
    const position = ((v - axis[0]) / (axis[axis.length - 1] - axis[0])) * (axis.length - 1);
    const clamped = Math.min(axis.length - 1, Math.max(0, position));
    const index = Math.min(axis.length - 2, Math.floor(clamped));
    return [index, clamped - index];
  };
  const [j, fx] = locate(x, px);
  const [i, fy] = locate(y, py);
  const bottom = z[i][j] * (1 - fx) + z[i][j + 1] * fx;
  const top = z[i + 1][j] * (1 - fx) + z[i + 1][j + 1] * fx;
  return bottom * (1 - fy) + top * fy;
}

/**
 * Heights for a 3-D view in [0, 1]: linear, unless most of the surface lies in the bottom tenth
 * of its range (a steep valley), where a log curve keeps the valley floor from looking flat.
 */
export function heightScale(z: readonly (readonly number[])[]): (value: number) => number {
  const sorted = z
    .flat()
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const low = sorted[0] ?? 0;
  const range = (sorted.at(-1) ?? 1) - low || 1;
  const median = sorted[Math.floor(sorted.length / 2)] ?? low;
  const clamp = (t: number) => Math.min(1, Math.max(0, t));
  if ((median - low) / range >= 0.1) return (value) => clamp((value - low) / range);
  const sharpness = 1000;
  return (value) => clamp(Math.log1p((sharpness * (value - low)) / range) / Math.log1p(sharpness));
}
