/**
 * The shapes of the DiveLab API. They are generated from the server's OpenAPI document into
 * `schema.d.ts` (`make types`; never edited by hand): this module only names them for the UI,
 * and keeps by hand what OpenAPI cannot describe (JSON Schema, the websocket's heartbeat).
 */

import type { components } from "./schema";

type Schemas = components["schemas"];

export type JobStatus = Schemas["JobStatus"];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "diverged",
]);

export function isActive(status: JobStatus): boolean {
  return !TERMINAL_STATUSES.has(status);
}

export type Params = Record<string, unknown>;

/** A JSON Schema node as pydantic writes it, with DiveLab's `live`, `unit`, `scale` and `widget` keys. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  examples?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  live?: boolean;
  unit?: string;
  scale?: "log";
  /** The widget a param needs beyond its type: "image" is an image id (`GET /api/images`),
   * "points" a list of [x, y] drawn on a canvas. */
  widget?: string;
}

/** A demo (`GET /api/demos`), its free-form `params_schema` read as the JSON Schema it is. */
export type Demo = Omit<Schemas["DemoOut"], "params_schema"> & { params_schema: JsonSchema };
/** A section of *Dive into Deep Learning* a demo reproduces (today's numbering, and 0.14's). */
export type BookSection = Schemas["BookSectionOut"];
/** A chapter of *Zefs Guide to Deep Learning* that explains what a demo shows. */
export type ZefsChapter = Schemas["ZefsChapterOut"];
/** How to read a `<key>_note` of a run's summary (`Demo.notices`). */
export type NoticeSpec = Schemas["NoticeOut"];
/** A metrics chart a demo declares: metric names, or patterns where `*` is any text. */
export type ChartSpec = Schemas["ChartOut"];
/** Params a demo offers as one click (the book's editions, say); the rest keep their values. */
export type Preset = Schemas["PresetOut"];

export type Job = Schemas["JobOut"];
export type JobPage = Schemas["JobPage"];
export type MetricSeries = Schemas["MetricSeries"];
export type Artifact = Schemas["ArtifactOut"];
/** An image a demo can use (`GET /api/images`): a built-in one or an upload. */
export type ImageInfo = Schemas["ImageOut"];
/** A failed request's body: `detail` says what went wrong, `type` what kind ("not_found"...). */
export type ErrorMessage = Schemas["ErrorMessage"];
/** A 422's body: one issue per invalid input. */
export type ValidationErrorMessage = Schemas["ValidationErrorMessage"];
export type ValidationIssue = Schemas["ValidationErrorItem"];
export type ParamsUpdate = Schemas["ParamsUpdateOut"];

/** The steps a fork of a job can start from (`GET /api/jobs/{id}/snapshots`). */
export type SnapshotList = Schemas["SnapshotList"];
/** A saved training state: the job as it was after `step` steps. */
export type Snapshot = Schemas["SnapshotOut"];
/** A run's family of forks (`GET /api/jobs/{id}/lineage`). */
export type Lineage = Schemas["Lineage"];
export type LineageNode = Schemas["LineageNode"];
/** The body of `POST /api/jobs/{id}/fork`: `step` null is "now" (or, finished, its last step). */
export type ForkCreate = Schemas["ForkCreate"];

/** Who is signed in (`GET /api/me`); `auth` is the server's mode, `role` "local" without sign-in. */
export type Me = Schemas["Me"];
export type Role = Me["role"];
/** A class of an instructor (classroom mode), with its invite code and link while they work. */
export type ClassInfo = Schemas["ClassOut"];
/** A class with its learners (`GET /api/classes/{id}`). */
export type ClassDetail = Schemas["ClassDetail"];
export type Learner = Schemas["LearnerOut"];
/** A personal API token as listed: never its secret. */
export type TokenInfo = Schemas["TokenOut"];
/** A token just created: `token` is its secret, shown this once. */
export type NewToken = Schemas["NewToken"];
/** The bodies of signing in and of joining a class. */
export type SignIn = Schemas["SignIn"];
export type Join = Schemas["Join"];
export type EventPage = Schemas["EventPage"];

/** A waiting job's place in the fair queue (`GET /api/jobs/{id}/queue`); null fields once it is not waiting. */
export type QueuePlace = Schemas["QueuePlace"];
/** Demo settings an instructor pushed to their learners' forms (`Me.preset`). */
export type ClassPreset = Schemas["ClassPreset"];
/** What pushing settings to a class did: the runs it started, the learners it could not start. */
export type PresetOutcome = Schemas["PresetOutcome"];
export type StopOutcome = Schemas["StopOutcome"];

export type StatusEvent = Schemas["StatusEvent"];
export type MetricEvent = Schemas["MetricEvent"];
export type ParamsEvent = Schemas["ParamsEvent"];
export type LogEvent = Schemas["LogEvent"];

export type SurfaceFrameEvent = Schemas["SurfaceFrameEvent"];
export type PointsFrameEvent = Schemas["PointsFrameEvent"];
export type ImageFrameEvent = Schemas["ImageFrameEvent"];
export type ImageGridFrameEvent = Schemas["ImageGridFrameEvent"];
export type HeatmapFrameEvent = Schemas["HeatmapFrameEvent"];
export type LinesFrameEvent = Schemas["LinesFrameEvent"];
export type BarsFrameEvent = Schemas["BarsFrameEvent"];
export type TextFrameEvent = Schemas["TextFrameEvent"];
export type ScatterFrameEvent = Schemas["ScatterFrameEvent"];

/** A picture a job sends; its `kind` says which renderer draws it and the shape of its `data`. */
export type FrameEvent =
  | SurfaceFrameEvent
  | PointsFrameEvent
  | ImageFrameEvent
  | ImageGridFrameEvent
  | HeatmapFrameEvent
  | LinesFrameEvent
  | BarsFrameEvent
  | TextFrameEvent
  | ScatterFrameEvent;
export type FrameKind = FrameEvent["kind"];
/** The `data` of a frame of this kind. */
export type FrameData<K extends FrameKind = FrameKind> = Extract<FrameEvent, { kind: K }>["data"];

export type SurfaceData = Schemas["SurfaceData"];
export type PointsData = Schemas["PointsData"];
export type ImageData = Schemas["ImageData"];
export type ImageGridData = Schemas["ImageGridData"];
export type HeatmapData = Schemas["HeatmapData"];
export type LinesData = Schemas["LinesData"];
export type LineSeries = Schemas["LineSeries"];
export type BarsData = Schemas["BarsData"];
export type BarSeries = Schemas["BarSeries"];
export type TextData = Schemas["TextData"];
export type ScatterData = Schemas["ScatterData"];

/** Everything a job tells the world, in `seq` order (the items of `EventPage.events`). */
export type JobEvent = StatusEvent | MetricEvent | ParamsEvent | FrameEvent | LogEvent;

/** Sent by the websocket when idle; it has no `seq` and is never stored. */
export interface Heartbeat {
  type: "heartbeat";
  ts: number;
}

/**
 * Sent by the websocket before a stored event when the stored log left out the seqs before it
 * (frames thinned away, docs/architecture.md): the hole is meant, nothing went missing. No `seq`.
 */
export interface Skipped {
  type: "skipped";
  until: number;
}

/** A learner of a class and their newest run of the live grid's demo (job fields null: none yet). */
export interface GridLearner {
  learner_id: string;
  name: string;
  job_id: string | null;
  status: JobStatus | null;
  params: Params | null;
  error: string | null;
}

/** The points a run gained since the last message (`reset`: its points, replacing what was drawn). */
export interface GridRunPoints {
  reset: boolean;
  series: Record<string, { steps: number[]; values: number[] }>;
}

/**
 * A message of an instructor's live grid websocket (`/api/classes/{id}/grid?demo=ID`, see
 * backend/teaching/grid.py): `learners` when one of them or their run changed, `points` for
 * the runs that reported metrics.
 */
export interface GridMessage {
  type: "grid";
  demo: string;
  metrics: string[];
  learners?: GridLearner[];
  points?: Record<string, GridRunPoints>;
}
