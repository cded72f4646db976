/** Which params differ between runs, named the way a learner reads them ("gd.lr", "steps"). */

import type { Params } from "../api/types";

export type Path = (string | number)[];

/** Every leaf of a params object with its path; tuples of numbers count as one leaf. */
export function leaves(value: unknown, path: Path = []): [Path, unknown][] {
  if (Array.isArray(value) && !value.every((v) => typeof v === "number")) {
    return value.flatMap((item, i) => leaves(item, [...path, i]));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]));
  }
  return [[path, value]];
}

/** Paths (as keys) whose values are not the same in all the given params, in first-seen order. */
export function differingPaths(all: readonly Params[]): Path[] {
  const seen = new Map<string, Path>();
  const valuesByKey = new Map<string, Set<string>>();
  for (const params of all) {
    for (const [path, value] of leaves(params)) {
      const key = pathKey(path);
      seen.set(key, seen.get(key) ?? path);
      const values = valuesByKey.get(key) ?? new Set<string>();
      values.add(JSON.stringify(value ?? null));
      valuesByKey.set(key, values);
    }
  }
  return [...seen.entries()]
    .filter(([key]) => {
      const present = all.filter((params) => valueAt(params, seen.get(key)!) !== undefined).length;
      return valuesByKey.get(key)!.size > 1 || present !== all.length;
    })
    .map(([, path]) => path);
}

export function valueAt(value: unknown, path: Path): unknown {
  let node: unknown = value;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

export function pathKey(path: Path): string {
  return path.join(".");
}

/**
 * A path as a learner reads it: list items are named by their `label` or `name`
 * (optimizers.0.lr → "gd.lr"), so a change reads like the chart legend.
 */
export function describePath(params: Params, path: Path): string {
  const parts: string[] = [];
  path.forEach((segment, i) => {
    if (typeof segment !== "number") {
      parts.push(segment);
      return;
    }
    const item = valueAt(params, path.slice(0, i + 1));
    const named = item && typeof item === "object" ? (item as Record<string, unknown>) : {};
    const label = named.label ?? named.name;
    parts[parts.length - 1] = typeof label === "string" ? label : `${parts.at(-1)}[${segment + 1}]`;
  });
  return parts.join(".");
}

export function formatValue(value: unknown): string {
  if (value === undefined) return "—";
  if (typeof value === "number") return formatNumber(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return value === null ? "none" : String(value);
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

export interface ParamChange {
  path: Path;
  label: string;
  before: unknown;
  after: unknown;
}

/** What changed from one version of a job's params to the next. */
export function changesBetween(before: Params, after: Params): ParamChange[] {
  return differingPaths([before, after]).map((path) => ({
    path,
    label: describePath(after, path),
    before: valueAt(before, path),
    after: valueAt(after, path),
  }));
}
