import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../api/types";
import { formFields } from "../form/schema";
import { forkChanges, splitForkFields } from "./forkForm";

const schema: JsonSchema = {
  properties: {
    dataset: { type: "string", enum: ["circles", "moons"], default: "circles" },
    hidden: { type: "array", items: { type: "integer" }, default: [8] },
    lr: { type: "number", default: 0.1, live: true },
    epochs: { type: "integer", default: 100 },
    seed: { type: "integer", default: 0 },
  },
};

describe("splitForkFields", () => {
  it("leaves open the params a fork may change, in the form's order, and locks the rest", () => {
    const { open, fixed } = splitForkFields(formFields(schema), ["epochs", "lr"]);
    expect(open.map((field) => field.name)).toEqual(["lr", "epochs"]);
    expect(fixed.map((field) => field.name)).toEqual(["dataset", "hidden", "seed"]);
  });

  it("locks every field when a fork may change none", () => {
    const { open, fixed } = splitForkFields(formFields(schema), []);
    expect(open).toEqual([]);
    expect(fixed).toHaveLength(5);
  });
});

describe("forkChanges", () => {
  const initial = { dataset: "circles", hidden: [8], lr: 0.1, epochs: 3 };

  it("sends only the params that changed", () => {
    expect(forkChanges(initial, { ...initial, lr: 0.5 })).toEqual({ lr: 0.5 });
    expect(forkChanges(initial, { ...initial, lr: 0.5, epochs: 6 })).toEqual({ lr: 0.5, epochs: 6 });
  });

  it("compares lists and objects by value", () => {
    expect(forkChanges(initial, { ...initial, hidden: [8] })).toEqual({});
    expect(forkChanges(initial, { ...initial, hidden: [4] })).toEqual({ hidden: [4] });
  });

  it("sends nothing when a change was taken back", () => {
    expect(forkChanges(initial, { ...initial })).toEqual({});
  });
});
