/** Place a 422's `detail[].loc` next to the field it names. */

import type { ValidationIssue } from "../api/types";
import { type Path, pathKey } from "../run/paramDiff";
import type { FieldSpec } from "./schema";

export interface PlacedErrors {
  /** path key ("optimizers.0.lr") → message */
  byField: Map<string, string>;
  /** messages that name no field of the form (a rule across fields, or the demo itself) */
  general: string[];
}

/**
 * `prefix` is what the route puts before the params: ["body", "params"] for POST /api/jobs,
 * ["body"] for PATCH .../params. Inside a list of tagged items pydantic names the item's kind
 * after its index (["optimizers", 0, "gd", "lr"]); that tag is not part of the field's path.
 */
export function placeErrors(
  issues: readonly ValidationIssue[],
  prefix: Path,
  fields: readonly FieldSpec[],
): PlacedErrors {
  const placed: PlacedErrors = { byField: new Map(), general: [] };
  for (const issue of issues) {
    const path = fieldPath(issue.loc, prefix, fields);
    if (path) {
      const key = pathKey(path);
      const earlier = placed.byField.get(key);
      placed.byField.set(key, earlier ? `${earlier} ${sentence(issue.msg)}` : sentence(issue.msg));
    } else {
      const relative = startsWith(issue.loc, prefix)
        ? issue.loc.slice(prefix.length)
        : issue.loc.slice(issue.loc[0] === "body" ? 1 : 0);
      const where = relative.join(".");
      placed.general.push(where ? `${where}: ${issue.msg}` : sentence(issue.msg));
    }
  }
  return placed;
}

function startsWith(loc: readonly (string | number)[], prefix: Path): boolean {
  return prefix.every((segment, i) => loc[i] === segment);
}

function fieldPath(
  loc: readonly (string | number)[],
  prefix: Path,
  fields: readonly FieldSpec[],
): Path | null {
  if (!startsWith(loc, prefix)) return null;
  const rest = loc.slice(prefix.length);
  const path: Path = [];
  let level: readonly FieldSpec[] = fields;
  let i = 0;
  while (i < rest.length) {
    const field = level.find((f) => f.name === rest[i]);
    if (!field) return null;
    path.push(field.name);
    i += 1;
    if (i === rest.length) break;
    if (field.kind === "union-list" && typeof rest[i] === "number") {
      path.push(rest[i]);
      i += 1;
      const tagged = field.variants.find((v) => v.tag === rest[i] && i + 1 < rest.length);
      if (tagged) i += 1;
      const named =
        typeof rest[i] === "string"
          ? field.variants.find((v) => v.fields.some((f) => f.name === rest[i]))
          : undefined;
      level = tagged?.fields ?? named?.fields ?? [];
    } else if (field.kind === "tuple" && typeof rest[i] === "number") {
      path.push(rest[i]);
      break;
    } else if (field.kind === "object") {
      level = field.fields;
    } else {
      break; // deeper than the form goes: show it at this field
    }
  }
  return path.length ? path : null;
}

function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
