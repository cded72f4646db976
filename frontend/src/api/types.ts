/** The shapes of the DiveLab API (see docs/architecture.md and /openapi.json). */

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "diverged";

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
  /** The widget a param needs beyond its type: "image" is an image id (`GET /api/images`). */
  widget?: string;
}

/** A metrics chart a demo declares: metric names, or patterns where `*` is any text. */
export interface ChartSpec {
  title: string;
  metrics: string[];
  y_label: string | null;
  log_scale: boolean;
}

export interface Demo {
  id: string;
  title: string;
  chapter: string;
  summary: string;
  params_schema: JsonSchema;
  live_params: string[];
  what_to_try: string[];
  /** How metrics are grouped into charts; empty: one chart with every metric. */
  charts: ChartSpec[];
}

export interface Job {
  id: string;
  demo: string;
  status: JobStatus;
  params: Params;
  params_version: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  summary: Record<string, unknown> | null;
  worker: string | null;
}

export interface JobPage {
  items: Job[];
  total: number;
  limit: number;
  offset: number;
}

export interface MetricSeries {
  steps: number[];
  values: number[];
  total_points: number;
}

export interface Artifact {
  name: string;
  media_type: string;
  size: number;
  url: string;
}

/** An image a demo can use (`GET /api/images`): a built-in one or an upload. */
export interface ImageInfo {
  id: string;
  title: string;
  source: "builtin" | "upload";
  /** What a built-in image suits best; null for uploads. */
  suggested_as: "content" | "style" | null;
  credit: string | null;
  media_type: string;
  width: number;
  height: number;
  size: number;
  created_at: string | null;
  /** Where its bytes are served (a path on the API). */
  url: string;
}

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export type FrameKind = "surface" | "points" | "image" | "image_grid" | "heatmap" | "lines";

interface EventBase {
  seq: number;
  ts: number;
  step?: number | null;
}

export interface StatusEvent extends EventBase {
  type: "status";
  status: JobStatus;
  error?: string | null;
  summary?: Record<string, unknown> | null;
  worker?: string | null;
}

export interface MetricEvent extends EventBase {
  type: "metric";
  values: Record<string, number>;
}

export interface ParamsEvent extends EventBase {
  type: "params";
  params: Params;
  version: number;
}

export interface FrameEvent extends EventBase {
  type: "frame";
  name: string;
  kind: FrameKind;
  data: unknown;
}

export interface LogEvent extends EventBase {
  type: "log";
  message: string;
  progress?: number | null;
}

export type JobEvent = StatusEvent | MetricEvent | ParamsEvent | FrameEvent | LogEvent;

/** Sent by the websocket when idle; it has no `seq` and is never stored. */
export interface Heartbeat {
  type: "heartbeat";
  ts: number;
}
