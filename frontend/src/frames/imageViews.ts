/** `image` and `image_grid` frames: pictures the job encoded (PNG or WebP, base64). */

import type { FrameData, ImageData, ImageGridData } from "../api/types";
import type { FrameContext, FrameView } from "./registry";

/** Small images (28×28 digits) are scaled up without blurring, to at least this size. */
const MIN_SHOWN_PX = 112;

export function imageElement(image: ImageData, alt: string): HTMLImageElement {
  const element = document.createElement("img");
  element.src = `data:image/${image.format};base64,${image.base64}`;
  element.alt = alt;
  const scale = Math.max(1, Math.floor(MIN_SHOWN_PX / Math.max(image.width, image.height)));
  element.width = image.width * scale;
  element.height = image.height * scale;
  if (scale > 1) element.style.imageRendering = "pixelated";
  return element;
}

/** Re-renders only when a newer frame of this name arrived. */
function latestFrameView<K extends "image" | "image_grid">(
  host: HTMLElement,
  { run, name }: FrameContext,
  kind: K,
  render: (data: FrameData<K>, step: number | null) => Node,
): FrameView {
  let shownSeq = -1;
  return {
    update() {
      const frame = run.frameOf(name, kind);
      if (!frame || frame.seq === shownSeq) return;
      shownSeq = frame.seq;
      host.replaceChildren(render(frame.data, frame.step));
    },
    destroy() {
      host.replaceChildren();
    },
  };
}

const atStep = (step: number | null) => (step === null ? "" : ` at step ${step}`);

export function imageRenderer(host: HTMLElement, context: FrameContext): FrameView {
  return latestFrameView(host, context, "image", (data: ImageData, step) =>
    imageElement(data, `${context.name}${atStep(step)}`),
  );
}

export function imageGridRenderer(host: HTMLElement, context: FrameContext): FrameView {
  return latestFrameView(host, context, "image_grid", (grid: ImageGridData, step) => {
    const container = document.createElement("div");
    container.className = "image-grid";
    // as wide as the pictures, or narrower (they shrink) when the row is not wide enough
    container.style.gridTemplateColumns = `repeat(${Math.max(1, grid.columns)}, minmax(0, max-content))`;
    grid.images.forEach((image, i) => {
      const figure = document.createElement("figure");
      const title = grid.titles[i] ?? "";
      figure.appendChild(
        imageElement(image, `${context.name} ${i + 1}${title ? `: ${title}` : ""}${atStep(step)}`),
      );
      if (title) {
        const caption = document.createElement("figcaption");
        caption.textContent = title;
        figure.appendChild(caption);
      }
      container.appendChild(figure);
    });
    return container;
  });
}
