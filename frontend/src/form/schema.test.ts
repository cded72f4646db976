import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../api/types";
import { placeErrors } from "./errors";
import schemaJson from "./fixtures/gradient-descent.schema.json";
import { type FieldSpec, formFields, type NumberField, type UnionListField } from "./schema";
import { checkNumber, fromSliderPosition, SLIDER_STEPS, sliderScale, toSliderPosition } from "./slider";
import {
  defaultsOf,
  paramsFromQuery,
  paramsWithDefaults,
  queryWithParams,
  setAt,
  switchVariant,
} from "./values";

const schema = schemaJson as JsonSchema;
const fields = formFields(schema);
const field = (name: string) => fields.find((f) => f.name === name)!;
const optimizers = field("optimizers") as UnionListField;
const variant = (tag: string) => optimizers.variants.find((v) => v.tag === tag)!;
const variantField = (tag: string, name: string) => variant(tag).fields.find((f) => f.name === name)!;

describe("schema → form fields (gradient-descent)", () => {
  it("gives each param the widget its schema calls for", () => {
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["function", "enum"],
      ["optimizers", "union-list"],
      ["start", "tuple"],
      ["steps", "number"],
      ["seed", "number"],
      ["speed", "number"],
    ]);
  });

  it("reads ranges, units, integer-ness and the log scale", () => {
    const steps = field("steps") as NumberField;
    expect(steps).toMatchObject({
      integer: true,
      unit: "steps",
      min: { value: 1, exclusive: false },
      max: { value: 100_000, exclusive: false },
    });
    const lr = variantField("gd", "lr") as NumberField;
    expect(lr).toMatchObject({
      log: true,
      live: true,
      min: { value: 0, exclusive: true },
      max: { value: 10, exclusive: false },
    });
    // A seed's range bounds it but is no scale to slide along: a number box alone.
    expect(field("seed")).toMatchObject({ kind: "number", max: { value: 2 ** 32 - 1 }, slider: false });
    expect(field("steps")).toMatchObject({ slider: true });
  });

  it("marks live params, and lists that contain live fields", () => {
    const live = fields.filter((f) => f.live).map((f) => f.name);
    expect(live).toEqual(["optimizers", "speed"]);
    expect(variantField("adam", "beta1").live).toBe(true);
    expect(variantField("adam", "eps").live).toBe(false);
    expect(variantField("gd", "label")).toMatchObject({ kind: "text", nullable: true, live: false });
  });

  it("lists the optimizers as kinds told apart by `name`, with the book's words", () => {
    expect(optimizers).toMatchObject({
      discriminator: "name",
      minItems: 1,
      maxItems: 8,
      itemNoun: "optimizer",
    });
    expect(optimizers.variants.map((v) => v.tag)).toEqual([
      "gd",
      "sgd",
      "momentum",
      "nesterov",
      "adagrad",
      "rmsprop",
      "adadelta",
      "adam",
      "yogi",
    ]);
    expect(variant("gd").title).toBe("Gradient descent");
    expect(variant("sgd").fields.map((f) => f.name)).toEqual(["label", "lr", "noise", "schedule"]);
  });

  it("labels hyperparameters with the book's symbols and keeps the meaning as help", () => {
    expect(variantField("momentum", "momentum")).toMatchObject({
      label: "β",
      help: "How much of the previous velocity is kept.",
    });
    expect(variantField("gd", "lr").label).toBe("Learning rate η");
    expect(field("speed").label).toBe("Speed");
    expect(field("optimizers").label).toBe("Optimizers");
  });

  it("names tuple items after the description's list", () => {
    const start = field("start");
    expect(start.kind === "tuple" && start.items.map((i) => i.label)).toEqual(["x1", "x2"]);
  });

  it("turns unknown shapes into a JSON field rather than failing", () => {
    const odd = formFields({ properties: { matrix: { type: "array", items: { type: "array" } } } });
    expect(odd[0].kind).toBe("json");
  });

  it("keeps enum values typed (kernel sizes are numbers)", () => {
    const [kernel] = formFields({
      properties: { kernel_size: { type: "integer", enum: [3, 5, 7], default: 5 } },
    });
    expect(kernel).toMatchObject({ kind: "enum", options: [3, 5, 7] });
  });
});

describe("form values", () => {
  it("starts from the schema's defaults, and one item of the first kind for a list without one", () => {
    const defaults = defaultsOf(fields);
    expect(defaults).toMatchObject({
      function: "ill-conditioned",
      start: [-5, -2],
      steps: 20,
      seed: 0,
      speed: 5,
    });
    expect(defaults.optimizers).toEqual([{ name: "gd", label: null, lr: 0.1 }]);
  });

  it("completes partial params from a link at every level, dropping unknown keys", () => {
    const params = paramsWithDefaults(fields, {
      steps: 200,
      optimizers: [{ name: "adam", lr: 0.3 }],
      stale: 1,
    });
    expect(params.steps).toBe(200);
    expect(params.stale).toBeUndefined();
    expect(params.optimizers).toEqual([
      { name: "adam", label: null, lr: 0.3, beta1: 0.9, beta2: 0.999, eps: 1e-6 },
    ]);
  });

  it("round-trips params through a URL query", () => {
    const params = paramsWithDefaults(fields, { function: "rosenbrock", start: [-1, 1] });
    expect(paramsFromQuery(queryWithParams(params))).toEqual(params);
    expect(paramsFromQuery("?params=%7Bbroken")).toBeNull();
    expect(paramsFromQuery("")).toBeNull();
  });

  it("updates a nested value without touching the original", () => {
    const params = defaultsOf(fields);
    const changed = setAt(params, ["optimizers", 0, "lr"], 0.9);
    expect((changed.optimizers as { lr: number }[])[0].lr).toBe(0.9);
    expect((params.optimizers as { lr: number }[])[0].lr).toBe(0.1);
  });

  it("switches an item's kind, keeping the settings both kinds share", () => {
    const switched = switchVariant(optimizers, { name: "gd", label: "mine", lr: 0.7 }, "momentum");
    expect(switched).toEqual({ name: "momentum", label: "mine", lr: 0.7, momentum: 0.5 });
  });
});

describe("sliders", () => {
  const lr = sliderScale(variantField("gd", "lr") as NumberField)!;
  const momentum = sliderScale(variantField("momentum", "momentum") as NumberField)!;

  it("spreads a learning rate logarithmically, short of the excluded 0", () => {
    expect(lr.log).toBe(true);
    expect(lr.low).toBeGreaterThan(0);
    expect(lr.high).toBe(10);
    const quarter = fromSliderPosition(lr, SLIDER_STEPS / 4);
    const half = fromSliderPosition(lr, SLIDER_STEPS / 2);
    expect(half / quarter).toBeCloseTo(
      fromSliderPosition(lr, SLIDER_STEPS) / fromSliderPosition(lr, (3 * SLIDER_STEPS) / 4),
      1,
    );
  });

  it("maps values to positions and back, rounded for reading", () => {
    for (const value of [0.001, 0.04, 0.4, 2, 10]) {
      const back = fromSliderPosition(lr, toSliderPosition(lr, value));
      expect(Math.abs(Math.log(back / value))).toBeLessThan(0.01);
    }
    expect(String(fromSliderPosition(lr, 613))).toMatch(/^\d+(\.\d{1,3})?$/);
  });

  it("keeps an exclusive maximum out of reach (β < 1)", () => {
    expect(momentum.log).toBe(false);
    expect(fromSliderPosition(momentum, SLIDER_STEPS)).toBeLessThan(1);
  });

  it("gives wide integer ranges a log slider and whole numbers", () => {
    const steps = sliderScale(field("steps") as NumberField)!;
    expect(steps).toMatchObject({ log: true, integer: true, low: 1, high: 100_000 });
    expect(Number.isInteger(fromSliderPosition(steps, 333))).toBe(true);
    expect(toSliderPosition(steps, 20)).toBeLessThan(SLIDER_STEPS / 3);
  });

  it("has no slider without both bounds", () => {
    expect(sliderScale(field("seed") as NumberField)).toBeNull();
  });

  it("checks typed numbers against the range", () => {
    const lrField = variantField("gd", "lr") as NumberField;
    expect(checkNumber(lrField, 0)).toBe("Must be greater than 0.");
    expect(checkNumber(lrField, 11)).toBe("Must be at most 10.");
    expect(checkNumber(lrField, NaN)).toBe("Enter a number.");
    expect(checkNumber(field("steps") as NumberField, 2.5)).toBe("Enter a whole number.");
    expect(checkNumber(lrField, 0.5)).toBeNull();
  });
});

describe("422 errors next to their fields", () => {
  it("places POST errors, skipping the tag pydantic puts after a list index", () => {
    const placed = placeErrors(
      [
        {
          loc: ["body", "params", "optimizers", 0, "gd", "lr"],
          msg: "Input should be greater than 0",
          type: "greater_than",
        },
        {
          loc: ["body", "params", "steps"],
          msg: "Input should be greater than or equal to 1",
          type: "greater_than_equal",
        },
        { loc: ["body", "params"], msg: "Value error, start must lie within ±1e6", type: "value_error" },
      ],
      ["body", "params"],
      fields,
    );
    expect(placed.byField.get("optimizers.0.lr")).toBe("Input should be greater than 0.");
    expect(placed.byField.get("steps")).toBe("Input should be greater than or equal to 1.");
    expect(placed.general).toEqual(["Value error, start must lie within ±1e6."]);
  });

  it("places PATCH errors, where a field may share its kind's name (momentum.momentum)", () => {
    const placed = placeErrors(
      [
        {
          loc: ["body", "optimizers", 1, "momentum"],
          msg: "is not live: it cannot change while the job runs",
          type: "not_live",
        },
        {
          loc: ["body", "optimizers", 2, "momentum", "momentum"],
          msg: "Input should be less than 1",
          type: "less_than",
        },
        {
          loc: ["body", "optimizers"],
          msg: "must keep its 3 entries while the job runs",
          type: "fixed_length",
        },
      ],
      ["body"],
      fields,
    );
    expect([...placed.byField.keys()]).toEqual([
      "optimizers.1.momentum",
      "optimizers.2.momentum",
      "optimizers",
    ]);
  });

  it("reports what names no field in general", () => {
    const placed = placeErrors(
      [{ loc: ["body", "demo"], msg: "unknown demo", type: "unknown_demo" }],
      ["body", "params"],
      fields as FieldSpec[],
    );
    expect(placed.general).toEqual(["demo: unknown demo"]);
  });
});
