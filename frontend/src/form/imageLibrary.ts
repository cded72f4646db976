/**
 * The images the pickers offer (`GET /api/images`), shared by every picker of the page: the
 * list is loaded once for all of them, and an image uploaded in one picker appears in the others.
 */

import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { ImageInfo } from "../api/types";
import { withUpload } from "./imagePicker";

export type LibraryState =
  { state: "loading" } | { state: "ready"; images: ImageInfo[] } | { state: "error"; error: unknown };

/** A list older than this is loaded again (in the background) when a picker appears. */
const FRESH_FOR_MS = 30_000;

export class ImageLibrary {
  private current: LibraryState = { state: "loading" };
  private loadedAt = -Infinity;
  private inFlight: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly fetchImages: () => Promise<ImageInfo[]>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get state(): LibraryState {
    return this.current;
  }

  /** Load the list unless a fresh one is at hand; `force` loads it again in any case. */
  refresh(force = false): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const fresh = this.current.state === "ready" && this.now() - this.loadedAt < FRESH_FOR_MS;
    if (fresh && !force) return Promise.resolve();
    // An error shows "loading" while it is retried; a list on show stays while it is reloaded.
    if (this.current.state !== "ready") this.set({ state: "loading" });
    this.inFlight = this.fetchImages().then(
      (images) => {
        this.loadedAt = this.now();
        this.set({ state: "ready", images });
      },
      (error: unknown) => {
        if (this.current.state !== "ready") this.set({ state: "error", error });
      },
    );
    void this.inFlight.finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** An upload that succeeded: listed at once, without waiting for a reload. */
  added(image: ImageInfo): void {
    if (this.current.state === "ready")
      this.set({ state: "ready", images: withUpload(this.current.images, image) });
    else void this.refresh(true);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: LibraryState): void {
    this.current = state;
    this.listeners.forEach((listener) => listener());
  }
}

export const imageLibrary = new ImageLibrary(() => api.images());

/** The shared list, loaded when a picker appears; the second value retries after an error. */
export function useImageLibrary(library: ImageLibrary = imageLibrary): [LibraryState, () => void] {
  const [state, setState] = useState(library.state);
  useEffect(() => {
    const unsubscribe = library.subscribe(() => setState(library.state));
    setState(library.state);
    void library.refresh();
    return unsubscribe;
  }, [library]);
  const retry = useCallback(() => void library.refresh(true), [library]);
  return [state, retry];
}
