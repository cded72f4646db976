/** `text` frames: preformatted text shown as is (a model's layers and its parameter count). */

import type { FrameContext, FrameView } from "./registry";

/** Text with longer lines than this takes a whole row of the picture panels. */
const WIDE_FROM_CHARS = 36;

export function textRenderer(host: HTMLElement, { run, name }: FrameContext): FrameView {
  const text = document.createElement("pre");
  text.className = "frame-text";
  // it scrolls when long or wide: a keyboard must reach it to scroll it
  text.tabIndex = 0;
  host.append(text);
  let shownSeq = -1;
  return {
    update() {
      const frame = run.frameOf(name, "text");
      if (!frame || frame.seq === shownSeq) return;
      shownSeq = frame.seq;
      text.textContent = frame.data.text;
      const longest = Math.max(...frame.data.text.split("\n").map((line) => line.length));
      text.classList.toggle("text-wide", longest > WIDE_FROM_CHARS);
    },
    destroy() {
      host.replaceChildren();
    },
  };
}
