/**
 * A waiting run's place in the queue: "3rd in line (of 7) · about 2 min", asked of the server
 * every few seconds while the run waits (`GET /api/jobs/{id}/queue`), and never after.
 */

import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import type { QueuePlace } from "../api/types";

export const QUEUE_POLL_MS = 2_000;

const ORDINAL_SUFFIXES: Record<Intl.LDMLPluralRule, string> = {
  zero: "th",
  one: "st",
  two: "nd",
  few: "rd",
  many: "th",
  other: "th",
};
const ordinalRules = new Intl.PluralRules("en", { type: "ordinal" });

/** 1st, 2nd, 3rd, 4th, 11th, 22nd. */
export function ordinal(n: number): string {
  return `${n}${ORDINAL_SUFFIXES[ordinalRules.select(n)]}`;
}

/** "under a minute", "about 2 min", "about 1.5 h": a wait that does not pretend to precision. */
export function describeWait(seconds: number): string {
  if (seconds < 45) return "under a minute";
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.round((seconds / 3600) * 2) / 2} h`;
}

/** "3rd in line (of 7) · about 2 min"; null when the job is not waiting. */
export function describeQueuePlace(place: QueuePlace): string | null {
  if (place.status !== "queued" || place.position === null) return null;
  const line = place.position === 1 ? "Next in line" : `${ordinal(place.position)} in line`;
  const of = place.waiting !== null && place.waiting > 1 ? ` (of ${place.waiting})` : "";
  const wait =
    place.estimated_wait_seconds === null ? "" : ` · ${describeWait(place.estimated_wait_seconds)}`;
  return `${line}${of}${wait}`;
}

/**
 * Asks for a job's place every `intervalMs` until it is not waiting any more (or `stop()`),
 * one request at a time. A hidden tab skips its turns: nobody reads the place there.
 */
export class QueueWatch {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly jobId: string,
    private readonly onPlace: (place: QueuePlace) => void,
    private readonly fetchPlace: (jobId: string) => Promise<QueuePlace> = (id) => api.queuePlace(id),
    private readonly intervalMs = QUEUE_POLL_MS,
  ) {}

  start(): void {
    void this.ask();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async ask(): Promise<void> {
    this.timer = null;
    if (!(typeof document !== "undefined" && document.hidden)) {
      try {
        const place = await this.fetchPlace(this.jobId);
        if (this.stopped) return;
        this.onPlace(place);
        if (place.status !== "queued") return;
      } catch (error) {
        // a run that is gone (or a session that ended) will not come back; a blip might
        if (this.stopped || (error instanceof ApiError && (error.status === 404 || error.status === 401)))
          return;
      }
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.ask(), this.intervalMs);
  }
}

/** The place of a job in the queue while `waiting`; null before the first answer and once it starts. */
export function useQueuePlace(jobId: string, waiting: boolean): QueuePlace | null {
  const [place, setPlace] = useState<QueuePlace | null>(null);
  useEffect(() => {
    setPlace(null);
    if (!waiting) return;
    const watch = new QueueWatch(jobId, setPlace);
    watch.start();
    return () => watch.stop();
  }, [jobId, waiting]);
  return place;
}
