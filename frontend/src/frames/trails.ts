/** The trajectories of a run, as the picture renderers draw them. */

import type { JobRun } from "../run/jobRun";
import type { XYSeries } from "../run/series";

export interface Trail {
  label: string;
  color: string;
  points: XYSeries;
}

export function trailsOf(run: JobRun): Trail[] {
  return [...run.trajectories.values()].flatMap((trajectory) =>
    [...trajectory.trails].map(([label, points]) => ({ label, color: run.colors.colorOf(label), points })),
  );
}

/** Points marked one by one, like the book's figures, while they are few enough to tell apart. */
export const MAX_MARKED_STEPS = 60;

export function legendOf(trails: Trail[], format: (v: number) => string): HTMLElement {
  const list = document.createElement("ul");
  list.className = "trail-legend";
  for (const trail of trails) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = trail.color;
    const n = trail.points.length - 1;
    const at = n >= 0 ? ` (${format(trail.points.xs[n])}, ${format(trail.points.ys[n])})` : "";
    item.append(swatch, `${trail.label}${at}`);
    list.appendChild(item);
  }
  return list;
}
