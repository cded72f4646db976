/**
 * Everything the UI knows about one job, built from its events in `seq` order. Views read it
 * and subscribe to changes; notifications are batched to at most one per animation frame, so
 * a job streaming thousands of events a second costs one redraw per frame.
 */

import type { FrameData, FrameEvent, FrameKind, JobEvent, JobStatus, Params } from "../api/types";
import { SeriesColors } from "../charts/palette";
import { type LogNotice, logNotice } from "./notices";
import { type ParamChange, changesBetween } from "./paramDiff";
import { XYSeries } from "./series";

export interface ParamsVersion {
  step: number;
  version: number;
  params: Params;
  changes: ParamChange[]; // empty for the first version
}

/** The latest frame of a name: its `kind` says the shape of its `data`. */
export type LatestFrame = FrameEvent;

/** A frame of this kind. */
export type FrameOfKind<K extends FrameKind> = Omit<FrameEvent, "kind" | "data"> & {
  kind: K;
  data: FrameData<K>;
};

/** The `points` frames of one name, as one growing trail per label. */
export interface Trajectory {
  labels: string[];
  trails: Map<string, XYSeries>;
}

export interface LogLine {
  step: number | null;
  message: string;
}

const KEPT_LOG_LINES = 50;

export type Scheduler = (callback: () => void) => void;

const nextFrame: Scheduler = (callback) =>
  typeof requestAnimationFrame === "function"
    ? requestAnimationFrame(() => callback())
    : queueMicrotask(callback);

export class JobRun {
  status: JobStatus = "queued";
  error: string | null = null;
  summary: Record<string, unknown> | null = null;
  lastSeq = 0;
  lastStep: number | null = null;
  progress: number | null = null;
  readonly metrics = new Map<string, XYSeries>();
  readonly colors = new SeriesColors();
  readonly paramsVersions: ParamsVersion[] = [];
  /** Latest frame of each name, in the order the names first appeared. */
  readonly frames = new Map<string, LatestFrame>();
  readonly trajectories = new Map<string, Trajectory>();
  readonly logs: LogLine[] = [];
  /** Log lines that say a fallback is used, the first of each kind; kept when `logs` rolls on.
   * How they are shown depends on the demo (`runNotices`). */
  readonly notices: LogNotice[] = [];

  private readonly listeners = new Set<() => void>();
  private notifyScheduled = false;

  constructor(
    readonly id: string,
    private readonly schedule: Scheduler = nextFrame,
  ) {}

  apply(event: JobEvent): void {
    this.lastSeq = event.seq;
    if (typeof event.step === "number") this.lastStep = Math.max(this.lastStep ?? 0, event.step);
    switch (event.type) {
      case "status":
        this.status = event.status;
        this.error = event.error ?? null;
        this.summary = event.summary ?? null;
        break;
      case "metric":
        for (const [name, value] of Object.entries(event.values)) {
          this.colors.colorOf(name);
          this.seriesOf(name).push(event.step ?? 0, value);
        }
        break;
      case "params":
        this.applyParams(event.step ?? 0, event.version, event.params);
        break;
      case "frame":
        this.applyFrame(event);
        break;
      case "log":
        this.logs.push({ step: event.step ?? null, message: event.message });
        if (this.logs.length > KEPT_LOG_LINES) this.logs.shift();
        this.keepNotice(logNotice(event.message));
        this.progress = event.progress ?? this.progress;
        break;
    }
    this.changed();
  }

  /** The params in force now (the newest version the job reported). */
  get params(): Params | null {
    return this.paramsVersions.at(-1)?.params ?? null;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private seriesOf(name: string): XYSeries {
    let series = this.metrics.get(name);
    if (!series) {
      series = new XYSeries();
      this.metrics.set(name, series);
    }
    return series;
  }

  private applyParams(step: number, version: number, params: Params): void {
    const previous = this.params;
    const changes = previous ? changesBetween(previous, params) : [];
    this.paramsVersions.push({ step, version, params, changes });
  }

  /** The latest frame of this name, or undefined when there is none of this kind. */
  frameOf<K extends FrameKind>(name: string, kind: K): FrameOfKind<K> | undefined {
    const frame = this.frames.get(name);
    return frame?.kind === kind ? (frame as FrameOfKind<K>) : undefined;
  }

  private applyFrame(frame: FrameEvent) {
    this.frames.set(frame.name, frame);
    if (frame.kind !== "points") return;
    const { labels, points } = frame.data;
    const trajectory = this.trajectories.get(frame.name) ?? { labels, trails: new Map() };
    this.trajectories.set(frame.name, trajectory);
    labels.forEach((label, i) => {
      let trail = trajectory.trails.get(label);
      if (!trail) {
        trail = new XYSeries();
        trajectory.trails.set(label, trail);
        this.colors.colorOf(label);
      }
      trail.push(points[i][0], points[i][1]);
    });
  }

  private keepNotice(notice: LogNotice | null): void {
    if (notice && !this.notices.some((kept) => kept.key === notice.key)) this.notices.push(notice);
  }

  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    this.schedule(() => {
      this.notifyScheduled = false;
      this.listeners.forEach((listener) => listener());
    });
  }
}
