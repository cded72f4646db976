/** The fork dialog's form: which fields a fork may change, and the changes it sends. Pure. */

import type { Params } from "../api/types";
import type { FieldSpec } from "../form/schema";

/** The fields a fork may change (live and forkable ones, in the form's order) and the fixed rest. */
export function splitForkFields(
  fields: readonly FieldSpec[],
  forkable: readonly string[],
): { open: FieldSpec[]; fixed: FieldSpec[] } {
  const allowed = new Set(forkable);
  return {
    open: fields.filter((field) => allowed.has(field.name)),
    fixed: fields.filter((field) => !allowed.has(field.name)),
  };
}

/** The top-level params the learner changed: what `POST /fork` takes (the rest stay as they were at the snapshot). */
export function forkChanges(initial: Params, edited: Params): Params {
  const changes: Params = {};
  for (const [name, value] of Object.entries(edited)) {
    if (JSON.stringify(value) !== JSON.stringify(initial[name])) changes[name] = value;
  }
  return changes;
}
