/**
 * The instructor's live grid, as data: the learners of a class with their newest run of one
 * demo, and each run's points, built from the grid websocket's messages (GridMessage). One
 * message a second carries the whole class; a card hears only of its own run's points.
 */

import type { GridLearner, GridMessage, Params } from "../api/types";
import type { FieldSpec } from "../form/schema";
import { defaultsOf, paramsWithDefaults, variantOf } from "../form/values";
import {
  describePath,
  differingPaths,
  formatValue,
  leaves,
  type Path,
  pathKey,
  valueAt,
} from "../run/paramDiff";
import { XYSeries } from "../run/series";

/** A run's points: one series per metric of the grid. */
export type RunSeries = ReadonlyMap<string, XYSeries>;

export interface GridChange {
  /** The learner list (or the metrics drawn) changed: the cards are laid out again. */
  learners: boolean;
  /** The runs whose points changed: only their charts are drawn again. */
  runs: string[];
}

export class GridState {
  /** The metrics the cards draw: every one any run reported, in that order (it only grows). */
  metrics: string[] = [];
  /** null until the first message: nothing known yet, not an empty class. */
  learners: GridLearner[] | null = null;
  private readonly runs = new Map<string, Map<string, XYSeries>>();
  private readonly listeners = new Set<() => void>();
  private readonly runListeners = new Map<string, Set<() => void>>();

  /** Take one message: `learners` replaces the list, `points` reset or extend each run's series. */
  apply(message: GridMessage): GridChange {
    const change: GridChange = { learners: false, runs: [] };
    if (message.metrics.join("\n") !== this.metrics.join("\n")) {
      this.metrics = message.metrics;
      change.learners = true;
    }
    if (message.learners) {
      this.learners = message.learners;
      change.learners = true;
      // runs that left the grid (a learner's newer run replaced it, a learner was removed)
      const shown = new Set(message.learners.map((learner) => learner.job_id));
      for (const jobId of this.runs.keys()) if (!shown.has(jobId)) this.runs.delete(jobId);
    }
    for (const [jobId, points] of Object.entries(message.points ?? {})) {
      const series =
        points.reset || !this.runs.has(jobId) ? new Map<string, XYSeries>() : this.runs.get(jobId)!;
      this.runs.set(jobId, series);
      for (const [name, { steps, values }] of Object.entries(points.series)) {
        let line = series.get(name);
        if (!line) series.set(name, (line = new XYSeries()));
        steps.forEach((step, i) => line.push(step, values[i]));
      }
      change.runs.push(jobId);
    }
    return change;
  }

  /** Apply a message and tell whoever listens what changed. */
  receive(message: GridMessage): void {
    const change = this.apply(message);
    if (change.learners) for (const listener of [...this.listeners]) listener();
    for (const jobId of change.runs)
      for (const listener of [...(this.runListeners.get(jobId) ?? [])]) listener();
  }

  seriesOf(jobId: string): RunSeries {
    return this.runs.get(jobId) ?? new Map();
  }

  /** The last step a run reported, over all its metrics; null before its first. */
  lastStep(jobId: string): number | null {
    let last: number | null = null;
    for (const series of this.seriesOf(jobId).values()) {
      if (series.lastX !== null) last = Math.max(last ?? -Infinity, series.lastX);
    }
    return last;
  }

  /** Hear of changes to the learners or the metrics. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hear of new points of one run. */
  subscribeRun(jobId: string, listener: () => void): () => void {
    const listeners = this.runListeners.get(jobId) ?? new Set();
    this.runListeners.set(jobId, listeners);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.runListeners.delete(jobId);
    };
  }
}

export interface KeyParam {
  key: string;
  label: string;
  value: string;
  /** Differs from the demo's default: what the learner chose. */
  changed: boolean;
}

/**
 * The params worth a glance on a learner's card: those that differ from the demo's defaults
 * (what the learner chose; a list item the defaults lack is named once, "adam added"), then the
 * live ones (what they may be turning mid-run). An optimizer's kind and an unset label are
 * left out: its name already heads its fields ("momentum.lr").
 */
export function keyParams(
  fields: readonly FieldSpec[],
  liveParams: readonly string[],
  given: Params,
): KeyParam[] {
  const params = paramsWithDefaults(fields, given);
  const defaults = defaultsOf(fields);
  const shown = new Map<string, KeyParam>();
  const show = (path: Path, changed: boolean) => {
    const value = valueAt(params, path);
    const key = pathKey(path);
    if (value === null || value === undefined || shown.has(key) || isDiscriminator(fields, path)) return;
    shown.set(key, { key, label: describePath(params, path), value: formatValue(value), changed });
  };
  for (const path of differingPaths([defaults, params])) {
    const addedItem = path.findIndex(
      (segment, i) => typeof segment === "number" && valueAt(defaults, path.slice(0, i + 1)) === undefined,
    );
    if (addedItem < 0) {
      show(path, true);
      continue;
    }
    const item = path.slice(0, addedItem + 1);
    const key = pathKey(item);
    if (!shown.has(key))
      shown.set(key, { key, label: describePath(params, item), value: "added", changed: true });
  }
  for (const name of liveParams) {
    for (const [path] of leaves(params[name], [name]))
      if (fieldAt(fields, params, path)?.live) show(path, false);
  }
  return [...shown.values()];
}

/** The field of the form a leaf of the params is edited with (a list item's, by its kind). */
function fieldAt(fields: readonly FieldSpec[], params: Params, path: Path): FieldSpec | undefined {
  const [name, ...rest] = path;
  const field = fields.find((f) => f.name === name);
  if (!field || rest.length === 0) return field;
  if (field.kind === "object") return fieldAt(field.fields, params[field.name] as Params, rest);
  if (field.kind === "union-list" && typeof rest[0] === "number") {
    const item = (params[field.name] as Params[])[rest[0]];
    return rest.length === 1 ? field : fieldAt(variantOf(field, item).fields, item, rest.slice(1));
  }
  return field; // a tuple's numbers are one param
}

/** The kind of an item of a list of several kinds (an optimizer's `name`). */
function isDiscriminator(fields: readonly FieldSpec[], path: Path): boolean {
  const field = fields.find((f) => f.name === path[0]);
  return (
    field?.kind === "union-list" &&
    path.length === 3 &&
    typeof path[1] === "number" &&
    path[2] === field.discriminator
  );
}

/** "3 learners · 1 running · 1 waiting · 1 with no run yet": the class at a glance. */
export function gridSummary(learners: readonly GridLearner[]): string {
  const count = (status: GridLearner["status"]) =>
    learners.filter((learner) => learner.status === status).length;
  const parts = [learners.length === 1 ? "1 learner" : `${learners.length} learners`];
  const add = (n: number, words: string) => n > 0 && parts.push(`${n} ${words}`);
  add(count("running"), "running");
  add(count("queued"), "waiting");
  add(count("succeeded"), "finished");
  add(count("failed") + count("diverged"), "failed or diverged");
  add(count("cancelled"), "stopped");
  add(count(null), "with no run yet");
  return parts.join(" · ");
}
