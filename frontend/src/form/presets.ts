/** Presets: named sets of params a demo offers as one click (the book's classic edition, say). */

import type { Params, Preset } from "../api/types";
import { differingPaths, leaves } from "../run/paramDiff";
import type { FieldSpec } from "./schema";
import { paramsWithDefaults } from "./values";

/** The form's values with the preset's params set; the params it leaves out keep theirs. */
export function withPreset(fields: readonly FieldSpec[], params: Params, preset: Preset): Params {
  return paramsWithDefaults(fields, { ...params, ...structuredClone(preset.params) });
}

/**
 * The preset the form's values follow: one whose every param still has the preset's value (a
 * learner's edit of one of them ends it). Where several do, the one that sets the most params.
 */
export function presetInForce(
  fields: readonly FieldSpec[],
  params: Params,
  presets: readonly Preset[],
): Preset | null {
  const holding = presets.filter(
    (preset) => differingPaths([params, withPreset(fields, params, preset)]).length === 0,
  );
  const size = (preset: Preset) => leaves(preset.params).length;
  return holding.reduce<Preset | null>(
    (best, preset) => (!best || size(preset) > size(best) ? preset : best),
    null,
  );
}
