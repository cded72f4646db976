/**
 * One generic renderer per frame kind (docs/architecture.md, "Frame kinds"). A demo's picture
 * panel is one panel per frame name, drawn by its kind's renderer; later demos get their
 * pictures by sending frames, without UI code of their own.
 */

import type { FrameKind } from "../api/types";
import type { JobRun } from "../run/jobRun";
import { barsRenderer } from "./barsView";
import { heatmapRenderer } from "./heatmapView";
import { imageGridRenderer, imageRenderer } from "./imageViews";
import { linesRenderer } from "./linesView";
import { pointsRenderer } from "./pointsView";
import { scatterRenderer } from "./scatterView";
import { surfaceRenderer } from "./surfaceView";
import { textRenderer } from "./textView";

export interface FrameContext {
  run: JobRun;
  name: string;
}

export interface FrameView {
  /** Draw the run's latest state (called at most once per animation frame). */
  update(): void;
  destroy(): void;
}

export type FrameRenderer = (host: HTMLElement, context: FrameContext) => FrameView;

export const FRAME_RENDERERS: Record<FrameKind, FrameRenderer> = {
  surface: surfaceRenderer,
  points: pointsRenderer,
  image: imageRenderer,
  image_grid: imageGridRenderer,
  heatmap: heatmapRenderer,
  lines: linesRenderer,
  bars: barsRenderer,
  text: textRenderer,
  scatter: scatterRenderer,
};

/** The renderer of a kind; undefined for a kind newer than this UI (its panel says so). */
export function rendererOf(kind: string): FrameRenderer | undefined {
  return (FRAME_RENDERERS as Record<string, FrameRenderer | undefined>)[kind];
}

export interface Panel {
  name: string;
  kind: FrameKind;
}

/**
 * The panels of a run, in the order their frames first arrived. `points` are positions on the
 * plane of a `surface` when the run has one: they are drawn on it rather than on their own.
 */
export function panelsOf(run: JobRun): Panel[] {
  const panels = [...run.frames].map(([name, frame]) => ({ name, kind: frame.kind }));
  const hasSurface = panels.some((panel) => panel.kind === "surface");
  return panels.filter((panel) => !(hasSurface && panel.kind === "points"));
}
