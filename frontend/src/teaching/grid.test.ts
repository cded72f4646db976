import { describe, expect, it, vi } from "vitest";
import type { GridLearner, GridMessage, JsonSchema } from "../api/types";
import schemaJson from "../form/fixtures/gradient-descent.schema.json";
import { formFields } from "../form/schema";
import { defaultsOf } from "../form/values";
import { GridState, gridSummary, keyParams } from "./grid";

const learner = (
  name: string,
  jobId: string | null,
  status: GridLearner["status"] = "running",
): GridLearner => ({
  learner_id: `id-${name}`,
  name,
  job_id: jobId,
  status: jobId ? status : null,
  params: jobId ? {} : null,
  error: null,
});

const message = (rest: Partial<GridMessage>): GridMessage => ({
  type: "grid",
  demo: "gradient-descent",
  metrics: ["gd", "momentum"],
  ...rest,
});

const points = (steps: number[], reset = false) => ({
  reset,
  series: { gd: { steps, values: steps.map((step) => 10 / (step + 1)) } },
});

const stepsOf = (state: GridState, jobId: string) => {
  const series = state.seriesOf(jobId).get("gd")!;
  return Array.from(series.xs.subarray(0, series.length));
};

describe("GridState", () => {
  it("replaces the learners when a message lists them, and keeps them when it does not", () => {
    const state = new GridState();
    expect(state.learners).toBeNull(); // nothing heard yet: not an empty class
    expect(state.apply(message({ learners: [learner("Alice", "j1"), learner("Bob", null)] }))).toEqual({
      learners: true,
      runs: [],
    });
    expect(state.apply(message({ points: { j1: points([1]) } })).learners).toBe(false);
    expect(state.learners!.map((l) => l.name)).toEqual(["Alice", "Bob"]);
    state.apply(message({ learners: [learner("Alice", "j1", "succeeded")] }));
    expect(state.learners).toEqual([learner("Alice", "j1", "succeeded")]);
  });

  it("appends points to a run, and replaces them on a reset", () => {
    const state = new GridState();
    state.apply(message({ learners: [learner("Alice", "j1")], points: { j1: points([0, 1, 2], true) } }));
    state.apply(message({ points: { j1: points([3, 4]) } }));
    expect(stepsOf(state, "j1")).toEqual([0, 1, 2, 3, 4]);
    expect(state.lastStep("j1")).toBe(4);
    // a reconnect: the server sends each run again, downsampled, as a reset
    const change = state.apply(
      message({ learners: [learner("Alice", "j1")], points: { j1: points([0, 4], true) } }),
    );
    expect(change.runs).toEqual(["j1"]);
    expect(stepsOf(state, "j1")).toEqual([0, 4]);
  });

  it("forgets the points of a run no card shows any more", () => {
    const state = new GridState();
    state.apply(message({ learners: [learner("Alice", "j1")], points: { j1: points([0], true) } }));
    state.apply(message({ learners: [learner("Alice", "j2")], points: { j2: { reset: true, series: {} } } }));
    expect(state.seriesOf("j1").size).toBe(0);
    expect(state.lastStep("j2")).toBeNull();
  });

  it("tells a card only of its own run's points, and the page only of learners and metrics", () => {
    const state = new GridState();
    const page = vi.fn();
    const alice = vi.fn();
    const bob = vi.fn();
    state.subscribe(page);
    state.subscribeRun("j1", alice);
    const stopBob = state.subscribeRun("j2", bob);
    state.receive(message({ learners: [learner("Alice", "j1"), learner("Bob", "j2")] }));
    state.receive(message({ points: { j1: points([0, 1]) } }));
    stopBob();
    state.receive(message({ points: { j2: points([0]) } }));
    expect([page.mock.calls.length, alice.mock.calls.length, bob.mock.calls.length]).toEqual([1, 1, 0]);
    state.receive(message({ metrics: ["gd"] }));
    expect(page).toHaveBeenCalledTimes(2);
  });
});

describe("keyParams", () => {
  const fields = formFields(schemaJson as JsonSchema);
  const defaults = defaultsOf(fields);

  it("shows what differs from the defaults first, in bold, then the live params", () => {
    const params = { ...defaults, steps: 50, speed: 5 };
    expect(keyParams(fields, ["optimizers", "speed"], params)).toEqual([
      { key: "steps", label: "steps", value: "50", changed: true },
      { key: "optimizers.0.lr", label: "gd.lr", value: "0.1", changed: false },
      { key: "speed", label: "speed", value: "5", changed: false },
    ]);
  });

  it("names a list item the defaults lack once, and its live fields by its name", () => {
    const params = {
      ...defaults,
      optimizers: [
        { name: "gd", label: null, lr: 0.1 },
        { name: "momentum", label: null, lr: 0.4, momentum: 0.9 },
      ],
    };
    expect(keyParams(fields, ["optimizers"], params)).toEqual([
      { key: "optimizers.1", label: "momentum", value: "added", changed: true },
      { key: "optimizers.0.lr", label: "gd.lr", value: "0.1", changed: false },
      { key: "optimizers.1.lr", label: "momentum.lr", value: "0.4", changed: false },
      { key: "optimizers.1.momentum", label: "momentum.momentum", value: "0.9", changed: false },
    ]);
  });

  it("leaves out an optimizer's kind and empty label, and fills in what a run left out", () => {
    const labels = keyParams(fields, ["optimizers", "speed"], { optimizers: [{ name: "gd", lr: 0.3 }] }).map(
      (param) => param.label,
    );
    expect(labels).toEqual(["gd.lr", "speed"]);
  });
});

describe("gridSummary", () => {
  it("counts the class at a glance, leaving out what nobody is doing", () => {
    expect(
      gridSummary([
        learner("A", "j1", "running"),
        learner("B", "j2", "queued"),
        learner("C", "j3", "diverged"),
        learner("D", null),
      ]),
    ).toBe("4 learners · 1 running · 1 waiting · 1 failed or diverged · 1 with no run yet");
    expect(gridSummary([learner("A", "j1", "succeeded")])).toBe("1 learner · 1 finished");
  });
});
