/**
 * An image param (`widget: "image"`): thumbnails of the built-in images and the learner's
 * uploads to pick from, as one group of radio buttons (arrow keys move the choice), and an
 * upload button that adds an image and picks it.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import type { ImageInfo } from "../api/types";
import { pathKey, valueAt } from "../run/paramDiff";
import { ErrorState } from "../ui/states";
import { imageLibrary, useImageLibrary } from "./imageLibrary";
import {
  ACCEPTED_TYPES,
  checkUploadFile,
  describeImage,
  MAX_UPLOAD_BYTES,
  pickerSections,
  showsOtherBuiltins,
  uploadErrorMessage,
} from "./imagePicker";
import { Notes, useIds } from "./notes";
import type { FieldProps } from "./ParamsForm";
import type { ImageField } from "./schema";

interface Upload {
  name: string;
  progress: number;
}

export function ImagePicker({ field, path, context, locked }: FieldProps<ImageField> & { locked: boolean }) {
  const { idOf, describedBy } = useIds();
  const [library, retry] = useImageLibrary();
  const [expanded, setExpanded] = useState(false);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const id = idOf(path);
  const value = valueAt(context.value, path);
  const error = context.errors.get(pathKey(path)) ?? null;
  const role = field.name; // "content" or "style": what the built-ins are suggested as
  const noun = `${field.label.toLowerCase()} image`;

  const choose = (imageId: string) => {
    setUploadError(null);
    context.onChange(path, imageId);
  };

  const uploadFile = async (file: File) => {
    const refused = checkUploadFile(file);
    setUploadError(refused);
    if (refused) return;
    setUpload({ name: file.name, progress: 0 });
    try {
      const image = await api.uploadImage(file, file.name, (progress) => {
        if (mounted.current) setUpload({ name: file.name, progress });
      });
      imageLibrary.added(image);
      if (mounted.current) choose(image.id);
    } catch (failure) {
      if (mounted.current) setUploadError(uploadErrorMessage(failure));
    } finally {
      if (mounted.current) setUpload(null);
    }
  };

  const option = (image: ImageInfo) => {
    const checked = image.id === value;
    return (
      <label
        key={image.id}
        class={`image-option${checked ? " selected" : ""}`}
        title={describeImage(image)}
        data-image={image.id}
      >
        <input
          type="radio"
          name={id}
          value={image.id}
          checked={checked}
          disabled={locked}
          onChange={() => choose(image.id)}
        />
        <img src={api.url(image.url)} alt="" loading="lazy" decoding="async" width={64} height={64} />
        <span class="image-option-title">{image.title}</span>
      </label>
    );
  };

  const ready = library.state === "ready" ? library.images : null;
  const sections = ready ? pickerSections(ready, role) : null;
  const selected = ready?.find((image) => image.id === value) ?? null;
  const othersShown = sections ? showsOtherBuiltins(sections, value, expanded) : false;
  const othersForced = sections ? showsOtherBuiltins(sections, value, false) : false;
  const notes = [describedBy(path, field.help, error), uploadError ? `${id}-upload-error` : ""];

  return (
    <fieldset class="field image-picker" data-path={pathKey(path)} aria-busy={upload !== null}>
      <legend id={`${id}-label`}>{field.label}</legend>
      {library.state === "loading" && (
        <p class="loading" role="status">
          Loading the images…
        </p>
      )}
      {library.state === "error" && (
        <ErrorState title="The images could not be loaded." error={library.error} onRetry={retry} />
      )}
      {sections && (
        <div
          role="radiogroup"
          class="image-groups"
          aria-labelledby={`${id}-label`}
          aria-describedby={notes.filter(Boolean).join(" ") || undefined}
        >
          <p class="image-group-title">
            {sections.otherBuiltins.length ? `Suggested as ${role}` : "Built-in images"}
          </p>
          <div class="image-options">{sections.suggested.map(option)}</div>
          {sections.otherBuiltins.length > 0 && !othersForced && (
            <button
              type="button"
              class="link-button image-more"
              aria-expanded={othersShown}
              aria-controls={`${id}-others`}
              onClick={() => setExpanded(!othersShown)}
            >
              {othersShown
                ? "Show only the suggested images"
                : `Show ${sections.otherBuiltins.length} more built-in images`}
            </button>
          )}
          {othersShown && (
            <div id={`${id}-others`}>
              <p class="image-group-title">Other built-in images</p>
              <div class="image-options">{sections.otherBuiltins.map(option)}</div>
            </div>
          )}
          <p class="image-group-title">Your uploads</p>
          {sections.uploads.length > 0 ? (
            <div class="image-options">{sections.uploads.map(option)}</div>
          ) : (
            <p class="image-hint">No uploads yet. Upload a photo of your own to use it as the {noun}.</p>
          )}
        </div>
      )}
      <div class="upload-row">
        <button
          type="button"
          disabled={locked || upload !== null}
          aria-describedby={`${id}-upload-hint`}
          onClick={() => fileInput.current?.click()}
        >
          {upload ? "Uploading…" : `Upload a ${noun}…`}
        </button>
        <span class="unit" id={`${id}-upload-hint`}>
          PNG, JPEG or WebP, up to {MAX_UPLOAD_BYTES / (1024 * 1024)} MB
        </span>
        <input
          ref={fileInput}
          type="file"
          accept={ACCEPTED_TYPES}
          hidden
          aria-label={`Upload a ${noun}`}
          data-testid={`${id}-file`}
          onChange={(event) => {
            const input = event.currentTarget;
            const file = input.files?.[0];
            input.value = ""; // choosing the same file again is a change too
            if (file) void uploadFile(file);
          }}
        />
      </div>
      {upload && (
        <p class="upload-progress" role="status">
          <progress max={1} value={upload.progress} aria-label={`Uploading ${upload.name}`} />
          Uploading {upload.name}… {Math.round(upload.progress * 100)}%
        </p>
      )}
      {uploadError && (
        <p class="field-error" id={`${id}-upload-error`} role="alert">
          {uploadError}
        </p>
      )}
      <SelectedImage image={selected} value={value} listed={ready !== null} />
      <Notes path={path} help={field.help} error={error} />
    </fieldset>
  );
}

/** What is picked, in words: title, size and where it comes from. */
function SelectedImage({
  image,
  value,
  listed,
}: {
  image: ImageInfo | null;
  value: unknown;
  listed: boolean;
}) {
  if (image) {
    return (
      <p class="image-selected">
        Selected: <strong>{image.title}</strong>, {image.width} × {image.height}
        {image.source === "builtin" ? (image.credit ? ` · ${image.credit}` : "") : " · your upload"}
      </p>
    );
  }
  if (typeof value !== "string" || value === "") {
    return <p class="image-selected">No image selected yet: pick one above.</p>;
  }
  return listed ? (
    <p class="image-selected image-missing">
      Selected: <code>{value}</code>, which is not an image on this server. Pick one above.
    </p>
  ) : (
    <p class="image-selected">
      Selected: <code>{value}</code>
    </p>
  );
}
