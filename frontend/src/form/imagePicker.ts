/**
 * What the image picker shows, and what it says when an upload is refused. Pure: the picker
 * component (ImagePicker.tsx) only renders this.
 */

import { ApiError } from "../api/client";
import type { ImageInfo } from "../api/types";

/** The server refuses larger uploads (backend/images/service.py, MAX_UPLOAD_BYTES). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_UPLOAD_SIDE = 4096;
/** What the file chooser offers; the server reads the real type from the file's bytes. */
export const ACCEPTED_TYPES = "image/png,image/jpeg,image/webp";

export interface PickerSections {
  /** Built-in images suggested for this param, in catalogue order. */
  suggested: ImageInfo[];
  /** The other built-ins: they suit the other role best, but any image may be used. */
  otherBuiltins: ImageInfo[];
  /** The learner's uploads, newest first (as the server lists them). */
  uploads: ImageInfo[];
}

/**
 * Built-ins first, those suggested for `role` (the param's name: "content" or "style") ahead
 * of the rest, then uploads. A role no built-in is suggested for suggests them all.
 */
export function pickerSections(images: readonly ImageInfo[], role: string): PickerSections {
  const builtins = images.filter((image) => image.source === "builtin");
  const uploads = images.filter((image) => image.source !== "builtin");
  const suggested = builtins.filter((image) => image.suggested_as === role);
  if (suggested.length === 0) return { suggested: builtins, otherBuiltins: [], uploads };
  return {
    suggested,
    otherBuiltins: builtins.filter((image) => image.suggested_as !== role),
    uploads,
  };
}

/** The other built-ins are shown when asked for, and always when one of them is selected. */
export function showsOtherBuiltins(sections: PickerSections, selected: unknown, expanded: boolean): boolean {
  return expanded || sections.otherBuiltins.some((image) => image.id === selected);
}

/** The list after an upload: the new image first among the uploads, as a reload would list it. */
export function withUpload(images: readonly ImageInfo[], added: ImageInfo): ImageInfo[] {
  const rest = images.filter((image) => image.id !== added.id);
  const firstUpload = rest.findIndex((image) => image.source !== "builtin");
  const at = firstUpload === -1 ? rest.length : firstUpload;
  return [...rest.slice(0, at), added, ...rest.slice(at)];
}

/** "Temple in China, 640 × 427 (scikit-learn's sample images)": a tooltip and the caption. */
export function describeImage(image: ImageInfo): string {
  const origin = image.source === "builtin" ? image.credit : "your upload";
  return `${image.title}, ${image.width} × ${image.height}${origin ? ` (${origin})` : ""}`;
}

/** Refuse at once what the server would refuse after the whole upload (it may even cut the
 * connection of a huge one, and the browser would only report a network error). */
export function checkUploadFile(file: { size: number }): string | null {
  return file.size > MAX_UPLOAD_BYTES ? tooLarge() : null;
}

const tooLarge = () =>
  `That file is larger than ${MAX_UPLOAD_BYTES / (1024 * 1024)} MB. Choose a smaller image, or save it at a lower size first.`;

/** Why an upload failed, in a learner's words (the server's 413, 415 and 422 have their own). */
export function uploadErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return `The upload failed: ${String(error)}`;
  const said = error.message.trim();
  switch (error.status) {
    case 0:
      return "The upload could not reach the DiveLab server. Check that it is running, then try again.";
    case 413:
      return tooLarge();
    case 415:
      return "Only PNG, JPEG or WebP images can be used, and that file is none of them.";
    case 422: {
      const pixels = /Too many pixels: (\d+)\s*[×x]\s*(\d+)/.exec(said);
      if (pixels || /too many pixels/i.test(said)) {
        const size = pixels ? ` (it is ${pixels[1]} × ${pixels[2]})` : "";
        return `That image is too big${size}: at most ${MAX_UPLOAD_SIDE} × ${MAX_UPLOAD_SIDE} pixels are accepted. Scale it down first.`;
      }
      const reason = said.replace(/^The image cannot be decoded:\s*/i, "");
      return `That file could not be read as an image; it may be damaged or cut short${reason ? ` (${withoutFinalStop(reason)})` : ""}.`;
    }
    default:
      return `The upload failed: ${said || `error ${error.status}`}`;
  }
}

const withoutFinalStop = (text: string) => text.replace(/\.$/, "");
