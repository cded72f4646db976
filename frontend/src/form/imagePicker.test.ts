import { describe, expect, it } from "vitest";
import { ApiError, errorOfBody } from "../api/client";
import type { ImageInfo, JsonSchema } from "../api/types";
import { ImageLibrary } from "./imageLibrary";
import {
  checkUploadFile,
  describeImage,
  MAX_UPLOAD_BYTES,
  pickerSections,
  showsOtherBuiltins,
  uploadErrorMessage,
  withUpload,
} from "./imagePicker";
import { formFields } from "./schema";
import { defaultsOf } from "./values";

function image(
  id: string,
  source: "builtin" | "upload",
  suggested_as: "content" | "style" | null = null,
): ImageInfo {
  return {
    id,
    title: id,
    source,
    suggested_as,
    credit: source === "builtin" ? "scikit-image's skimage.data" : null,
    media_type: "image/png",
    width: 512,
    height: 384,
    size: 1000,
    created_at: source === "upload" ? "2026-01-01T00:00:00Z" : null,
    url: `/api/images/${id}/content`,
  };
}

// As GET /api/images lists them: built-ins in catalogue order, then uploads, newest first.
const IMAGES = [
  image("china", "builtin", "content"),
  image("chelsea", "builtin", "content"),
  image("hubble", "builtin", "style"),
  image("waves", "builtin", "style"),
  image("upload-new", "upload"),
  image("upload-old", "upload"),
];
const ids = (images: ImageInfo[]) => images.map((i) => i.id);

describe("the schema's image params", () => {
  const schema: JsonSchema = {
    type: "object",
    properties: {
      content: {
        type: "string",
        default: "china",
        widget: "image",
        title: "Content",
        description: "The content image.",
      },
      note: { type: "string", default: "", title: "Note" },
    },
  };

  it("become image pickers; other strings stay text boxes", () => {
    const fields = formFields(schema);
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["content", "image"],
      ["note", "text"],
    ]);
    expect(fields[0]).toMatchObject({ label: "Content", help: "The content image.", live: false });
    expect(defaultsOf(fields)).toEqual({ content: "china", note: "" });
  });
});

describe("the picker's sections", () => {
  it("puts the built-ins suggested for the param first, then the other built-ins, then uploads", () => {
    const content = pickerSections(IMAGES, "content");
    expect(ids(content.suggested)).toEqual(["china", "chelsea"]);
    expect(ids(content.otherBuiltins)).toEqual(["hubble", "waves"]);
    expect(ids(content.uploads)).toEqual(["upload-new", "upload-old"]);

    const style = pickerSections(IMAGES, "style");
    expect(ids(style.suggested)).toEqual(["hubble", "waves"]);
    expect(ids(style.otherBuiltins)).toEqual(["china", "chelsea"]);
  });

  it("suggests every built-in for a param no built-in is suggested as", () => {
    const sections = pickerSections(IMAGES, "background");
    expect(ids(sections.suggested)).toEqual(["china", "chelsea", "hubble", "waves"]);
    expect(sections.otherBuiltins).toEqual([]);
  });

  it("copes with no uploads and with no images at all", () => {
    expect(pickerSections(IMAGES.slice(0, 4), "style").uploads).toEqual([]);
    expect(pickerSections([], "style")).toEqual({ suggested: [], otherBuiltins: [], uploads: [] });
  });

  it("shows the other built-ins when asked, and always when one of them is selected", () => {
    const sections = pickerSections(IMAGES, "style");
    expect(showsOtherBuiltins(sections, "waves", false)).toBe(false);
    expect(showsOtherBuiltins(sections, "upload-old", false)).toBe(false);
    expect(showsOtherBuiltins(sections, "waves", true)).toBe(true);
    expect(showsOtherBuiltins(sections, "china", false)).toBe(true); // a photo as the style
  });

  it("lists a new upload first among the uploads, once", () => {
    const added = image("upload-newest", "upload");
    expect(ids(withUpload(IMAGES, added))).toEqual([
      "china",
      "chelsea",
      "hubble",
      "waves",
      "upload-newest",
      "upload-new",
      "upload-old",
    ]);
    expect(ids(withUpload(IMAGES.slice(0, 4), added)).at(-1)).toBe("upload-newest");
    expect(ids(withUpload(IMAGES, image("upload-old", "upload")))).toEqual([
      "china",
      "chelsea",
      "hubble",
      "waves",
      "upload-old",
      "upload-new",
    ]);
  });

  it("describes an image by title, size and origin", () => {
    expect(describeImage(IMAGES[0])).toBe("china, 512 × 384 (scikit-image's skimage.data)");
    expect(describeImage(IMAGES[4])).toBe("upload-new, 512 × 384 (your upload)");
  });
});

describe("upload errors, in a learner's words", () => {
  const refused = (status: number, detail: unknown) =>
    uploadErrorMessage(errorOfBody(status, "", JSON.stringify({ detail })));

  it("refuses a file over 10 MB before sending it", () => {
    expect(checkUploadFile({ size: MAX_UPLOAD_BYTES })).toBeNull();
    expect(checkUploadFile({ size: MAX_UPLOAD_BYTES + 1 })).toMatch(/^That file is larger than 10 MB\./);
  });

  it("explains the server's 413 and 415", () => {
    expect(refused(413, "The upload is larger than 10485760 bytes.")).toMatch(
      /^That file is larger than 10 MB\./,
    );
    expect(refused(415, "The file is not a PNG, JPEG or WebP image.")).toBe(
      "Only PNG, JPEG or WebP images can be used, and that file is none of them.",
    );
  });

  it("explains a 422: too many pixels, or not decodable with the server's reason", () => {
    const issue = (msg: string) => [{ loc: ["body", "file"], msg, type: "invalid_image" }];
    expect(refused(422, issue("Too many pixels: 5000×300. At most 4096×4096 are accepted."))).toBe(
      "That image is too big (it is 5000 × 300): at most 4096 × 4096 pixels are accepted. Scale it down first.",
    );
    expect(refused(422, issue("The image cannot be decoded: it is not a valid PNG file"))).toBe(
      "That file could not be read as an image; it may be damaged or cut short (it is not a valid PNG file).",
    );
  });

  it("says when the server could not be reached, and passes other errors on", () => {
    expect(uploadErrorMessage(new ApiError("Cannot reach the DiveLab server.", 0))).toMatch(
      /could not reach/,
    );
    expect(refused(500, "Internal Server Error")).toBe("The upload failed: Internal Server Error");
    expect(uploadErrorMessage(errorOfBody(502, "Bad Gateway", "<html>proxy</html>"))).toBe(
      "The upload failed: 502 Bad Gateway",
    );
  });
});

describe("the shared image library", () => {
  const deferred = () => {
    let resolve!: (images: ImageInfo[]) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<ImageInfo[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };

  it("loads once for every picker, reloads a stale list, and retries after an error", async () => {
    let now = 0;
    const calls: ReturnType<typeof deferred>[] = [];
    const library = new ImageLibrary(
      () => {
        calls.push(deferred());
        return calls.at(-1)!.promise;
      },
      () => now,
    );
    const first = library.refresh();
    void library.refresh(); // a second picker, at the same time
    expect(calls).toHaveLength(1);
    calls[0].reject(new ApiError("down", 0));
    await first;
    expect(library.state.state).toBe("error");

    const retried = library.refresh(true);
    expect(library.state.state).toBe("loading");
    calls[1].resolve(IMAGES);
    await retried;
    expect(library.state).toEqual({ state: "ready", images: IMAGES });

    await library.refresh(); // fresh: not loaded again
    expect(calls).toHaveLength(2);
    now = 60_000;
    const reload = library.refresh();
    expect(library.state.state).toBe("ready"); // the list stays on show while it reloads
    calls[2].reject(new Error("blip"));
    await reload;
    expect(library.state.state).toBe("ready"); // and a failed reload keeps it
  });

  it("lists an upload at once, and tells its subscribers", async () => {
    const library = new ImageLibrary(() => Promise.resolve(IMAGES.slice(0, 4)));
    await library.refresh();
    let told = 0;
    const unsubscribe = library.subscribe(() => (told += 1));
    library.added(image("mine", "upload"));
    expect(told).toBe(1);
    expect(library.state.state === "ready" && ids(library.state.images).at(-1)).toBe("mine");
    unsubscribe();
  });
});
