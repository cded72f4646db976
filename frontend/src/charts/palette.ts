/**
 * Colors. Lines use the Okabe–Ito palette, which stays distinguishable for the common forms
 * of color blindness; pictures (heatmaps, surfaces) use viridis, which is perceptually
 * uniform and readable in gray scale.
 */

// Okabe–Ito, reordered so the first lines get the colors with the most contrast on white
// (yellow, the palest, comes last).
export const LINE_COLORS = [
  "#0072B2", // blue
  "#D55E00", // vermillion
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#E69F00", // orange
  "#56B4E9", // sky blue
  "#000000", // black
  "#F0E442", // yellow
] as const;

/** Dash patterns, used when lines also need a second encoding (compare: run × metric). */
export const LINE_DASHES: readonly number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3]];

/**
 * Assigns colors in order of first appearance, so a name keeps its color everywhere. Past the
 * eighth name colors repeat, each round with its own dash pattern.
 */
export class SeriesColors {
  private readonly order = new Map<string, number>();

  colorOf(name: string): string {
    return LINE_COLORS[this.indexOf(name) % LINE_COLORS.length];
  }

  dashOf(name: string): number[] {
    return LINE_DASHES[Math.floor(this.indexOf(name) / LINE_COLORS.length) % LINE_DASHES.length];
  }

  private indexOf(name: string): number {
    let index = this.order.get(name);
    if (index === undefined) {
      index = this.order.size;
      this.order.set(name, index);
    }
    return index;
  }
}

// viridis at nine evenly spaced stops
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** viridis(t) for t in [0, 1] as [r, g, b]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** viridis mixed with white: a quiet background on which Okabe–Ito lines stand out. */
export function paleViridis(t: number, whiteness = 0.6): [number, number, number] {
  const [r, g, b] = viridis(t);
  const mix = (c: number) => c + (255 - c) * whiteness;
  return [mix(r), mix(g), mix(b)];
}

export function rgb([r, g, b]: [number, number, number]): string {
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
}
