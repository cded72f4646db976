import { describe, expect, it } from "vitest";
import type { JsonSchema, Preset } from "../api/types";
import schemaJson from "./fixtures/gradient-descent.schema.json";
import { presetInForce, withPreset } from "./presets";
import { formFields } from "./schema";
import { defaultsOf, setAt } from "./values";

const fields = formFields(schemaJson as JsonSchema);
const defaults = defaultsOf(fields);

const preset = (name: string, params: Preset["params"]): Preset => ({
  name,
  title: name,
  description: `the ${name} settings`,
  params,
});
const classic = preset("classic", { function: "ill-conditioned", steps: 20 });
const current = preset("current", { function: "quadratic", steps: 50, start: [-4, 1] });

describe("presets", () => {
  it("set the params they name and leave the others as the learner set them", () => {
    const edited = setAt(defaults, ["seed"], 7);
    const next = withPreset(fields, edited, current);
    expect(next).toMatchObject({ function: "quadratic", steps: 50, start: [-4, 1], seed: 7 });
    expect(next.optimizers).toEqual(defaults.optimizers);
    expect(edited.steps).toBe(20); // the form's values are not changed in place
  });

  it("complete a list item they give in part, and drop params the demo does not have", () => {
    const partial = preset("adam", { optimizers: [{ name: "adam", lr: 0.3 }], gone: 1 });
    const next = withPreset(fields, defaults, partial);
    expect(next.optimizers).toEqual([expect.objectContaining({ name: "adam", lr: 0.3, beta1: 0.9 })]);
    expect(next).not.toHaveProperty("gone");
    expect(presetInForce(fields, next, [partial])).toBe(partial);
  });

  it("stay in force until the learner edits a param the preset set", () => {
    const applied = withPreset(fields, defaults, current);
    expect(presetInForce(fields, applied, [classic, current])).toBe(current);
    expect(presetInForce(fields, setAt(applied, ["seed"], 3), [classic, current])).toBe(current);
    expect(presetInForce(fields, setAt(applied, ["steps"], 51), [classic, current])).toBeNull();
    expect(presetInForce(fields, setAt(applied, ["start", 1], 0), [classic, current])).toBeNull();
  });

  it("name the defaults' preset before any click, and the most specific of several that hold", () => {
    expect(presetInForce(fields, defaults, [current, classic])).toBe(classic);
    const stepsOnly = preset("steps", { steps: 20 });
    expect(presetInForce(fields, defaults, [stepsOnly, classic])).toBe(classic);
    expect(presetInForce(fields, defaults, [])).toBeNull();
  });
});
