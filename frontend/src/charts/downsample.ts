/**
 * Downsampling for drawing only: the data is kept in full, and each redraw picks, for every
 * pixel column of the visible window, the lowest and the highest point in it. A spike or a dip
 * of a single step therefore always stays visible, however many points there are.
 */

export interface Points {
  xs: number[];
  ys: number[];
}

/** First index whose x is >= target (xs sorted ascending over [0, length)). */
export function lowerBound(xs: ArrayLike<number>, length: number, target: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose x is > target. */
export function upperBound(xs: ArrayLike<number>, length: number, target: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The points to draw for x in [xMin, xMax] on `columns` pixel columns: at most 2 per column
 * (its min and max, in x order), plus the nearest point outside each edge so the line runs
 * to the border of the plot.
 */
export function downsampleMinMax(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  length: number,
  xMin: number,
  xMax: number,
  columns: number,
): Points {
  const first = lowerBound(xs, length, xMin);
  const end = upperBound(xs, length, xMax);
  const from = Math.max(0, first - 1);
  const to = Math.min(length, end + 1);
  if (to - from <= 2 * columns + 2 || xMax <= xMin) return slice(xs, ys, from, to);

  const out: Points = { xs: [], ys: [] };
  if (from < first) push(out, xs, ys, from);
  const columnWidth = (xMax - xMin) / columns;
  let column = -1;
  let lowest = -1;
  let highest = -1;
  const flush = () => {
    if (column < 0) return;
    push(out, xs, ys, Math.min(lowest, highest));
    if (lowest !== highest) push(out, xs, ys, Math.max(lowest, highest));
  };
  for (let i = first; i < end; i++) {
    const c = Math.min(columns - 1, Math.floor((xs[i] - xMin) / columnWidth));
    if (c !== column) {
      flush();
      column = c;
      lowest = highest = i;
    } else if (ys[i] < ys[lowest]) lowest = i;
    else if (ys[i] > ys[highest]) highest = i;
  }
  flush();
  if (end < to) push(out, xs, ys, end);
  return out;
}

function push(out: Points, xs: ArrayLike<number>, ys: ArrayLike<number>, i: number): void {
  out.xs.push(xs[i]);
  out.ys.push(ys[i]);
}

function slice(xs: ArrayLike<number>, ys: ArrayLike<number>, from: number, to: number): Points {
  return {
    xs: Array.prototype.slice.call(xs, from, to) as number[],
    ys: Array.prototype.slice.call(ys, from, to) as number[],
  };
}
