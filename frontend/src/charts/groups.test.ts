import { describe, expect, it } from "vitest";
import type { ChartSpec, JobEvent } from "../api/types";
import { runChartSource } from "../run/chartSource";
import { JobRun } from "../run/jobRun";
import { XYSeries } from "../run/series";
import { ALL_KEY, MetricGrouping, OTHER_KEY, globMatcher } from "./groups";
import { staticSource, stepsOf } from "./source";

const chart = (title: string, metrics: string[], extra: Partial<ChartSpec> = {}): ChartSpec => ({
  title,
  metrics,
  y_label: null,
  log_scale: false,
  ...extra,
});

const summary = (grouping: MetricGrouping, names: string[]) =>
  grouping.groups(names).map((group) => [group.title, group.metrics]);

describe("globMatcher", () => {
  it("matches whole names, `*` standing for any text", () => {
    const weights = globMatcher("w*");
    expect(["w", "w1", "w_long name"].every(weights)).toBe(true);
    expect(["aw1", "W1", ""].some(weights)).toBe(false);
    expect(globMatcher("*_acc")("train_acc")).toBe(true);
    expect(globMatcher("*_acc")("train_acc_top5")).toBe(false);
    expect(globMatcher("a*b*c")("a--b--c")).toBe(true);
    expect(globMatcher("a*b*c")("a--c")).toBe(false);
    expect(globMatcher("*")("anything\nat all")).toBe(true);
    expect(globMatcher("loss")("loss")).toBe(true);
    expect(globMatcher("loss")("train_loss")).toBe(false);
  });

  it("treats every other character literally", () => {
    const kernel = globMatcher("K[*]");
    expect(kernel("K[0,1]")).toBe(true);
    expect(kernel("K0")).toBe(false);
    expect(globMatcher("a.b")("axb")).toBe(false);
    expect(globMatcher("a+b")("aab")).toBe(false);
    expect(globMatcher("(x)|y")("(x)|y")).toBe(true);
    expect(globMatcher("$x^?")("$x^?")).toBe(true);
    expect(globMatcher("a\\*")("a\\anything")).toBe(true);
  });
});

describe("MetricGrouping", () => {
  it("draws every metric on one chart when the demo declares none", () => {
    const grouping = new MetricGrouping([]);
    expect(grouping.declared).toBe(false);
    expect(grouping.groups(["gd", "momentum"])).toEqual([
      { key: ALL_KEY, title: "Metrics", yLabel: "value", logScale: false, metrics: ["gd", "momentum"] },
    ]);
    expect(grouping.groups([])).toEqual([]);
    expect(new MetricGrouping(undefined).groups(["gd"])[0].key).toBe(ALL_KEY); // an older API
  });

  it("puts each metric in the first chart that matches it, in the declared order", () => {
    const grouping = new MetricGrouping([
      chart("Accuracy", ["*_acc"], { y_label: "accuracy" }),
      chart("Loss", ["train_loss", "test_loss"], { log_scale: true }),
      chart("Everything else", ["*"]),
    ]);
    const groups = grouping.groups(["train_loss", "train_acc", "lr", "test_acc", "test_loss"]);
    expect(groups.map((g) => [g.key, g.title, g.metrics])).toEqual([
      ["chart-0", "Accuracy", ["train_acc", "test_acc"]],
      ["chart-1", "Loss", ["train_loss", "test_loss"]],
      ["chart-2", "Everything else", ["lr"]],
    ]);
    expect(groups.map((g) => [g.yLabel, g.logScale])).toEqual([
      ["accuracy", false],
      ["value", true],
      ["value", false],
    ]);
  });

  it("sends metrics that match no chart to a last chart, Other", () => {
    const grouping = new MetricGrouping([chart("Loss", ["loss"]), chart("Weights", ["w*"])]);
    expect(summary(grouping, ["tokens_per_sec", "w2", "loss", "w1"])).toEqual([
      ["Loss", ["loss"]],
      ["Weights", ["w2", "w1"]],
      ["Other", ["tokens_per_sec"]],
    ]);
    expect(grouping.keyOf("tokens_per_sec")).toBe(OTHER_KEY);
  });

  it("shows only the charts that have metrics so far", () => {
    const grouping = new MetricGrouping([chart("Loss", ["loss"]), chart("Accuracy", ["*_accuracy"])]);
    expect(summary(grouping, [])).toEqual([]);
    expect(summary(grouping, ["token_accuracy"])).toEqual([["Accuracy", ["token_accuracy"]]]);
    expect(summary(grouping, ["token_accuracy", "loss"])).toEqual([
      ["Loss", ["loss"]],
      ["Accuracy", ["token_accuracy"]],
    ]);
    expect(grouping.groups(["loss"])[0].key).toBe("chart-0"); // keys stay put as charts come
  });

  it("keys charts by position, so a declared title may even be Other", () => {
    const grouping = new MetricGrouping([chart("Other", ["a"])]);
    expect(grouping.groups(["a", "b"]).map((g) => [g.key, g.title])).toEqual([
      ["chart-0", "Other"],
      [OTHER_KEY, "Other"],
    ]);
  });
});

describe("a run's charts", () => {
  const metric = (seq: number, step: number, values: Record<string, number>): JobEvent => ({
    seq,
    ts: 0,
    step,
    type: "metric",
    values,
  });

  it("each draw their group's metrics, all the run's steps and all its live changes", () => {
    const run = new JobRun("j", (callback) => callback());
    const grouping = new MetricGrouping([chart("Loss", ["loss"]), chart("Accuracy", ["*_accuracy"])]);
    run.apply({ seq: 1, ts: 0, step: 0, type: "params", params: { lr: 0.1 }, version: 1 });
    run.apply(metric(2, 0, { token_accuracy: 0 }));
    run.apply(metric(3, 5, { loss: 2, tokens_per_sec: 900 }));
    run.apply({ seq: 4, ts: 0, step: 7, type: "params", params: { lr: 0.01 }, version: 2 });
    run.apply(metric(5, 10, { loss: 1, token_accuracy: 0.5, tokens_per_sec: 1000 }));

    const groups = grouping.groups(run.metrics.keys());
    expect(groups.map((g) => g.title)).toEqual(["Loss", "Accuracy", "Other"]);
    const sources = groups.map((g) => runChartSource(run, (name) => grouping.keyOf(name) === g.key));
    expect(sources.map((s) => s.lines().map((line) => line.key))).toEqual([
      ["loss"],
      ["token_accuracy"],
      ["tokens_per_sec"],
    ]);
    for (const source of sources) {
      expect(source.steps?.()).toEqual({ min: 0, max: 10 }); // the loss chart too, from step 0
      expect(source.marks().map((mark) => [mark.step, mark.label])).toEqual([[7, "v2"]]);
    }
    expect(sources[0].lines()[0].color).toBe(run.colors.colorOf("loss")); // colors of the run
  });

  it("share the steps of every line when compared", () => {
    const early = { key: "a", label: "a", color: "#000", dash: [], series: XYSeries.of([0, 1], [1, 1]) };
    const late = { key: "b", label: "b", color: "#000", dash: [], series: XYSeries.of([4, 9], [1, 1]) };
    expect(staticSource([late], [early, late]).steps?.()).toEqual({ min: 0, max: 9 });
    expect(staticSource([late]).steps?.()).toEqual({ min: 4, max: 9 });
    expect(stepsOf([new XYSeries()])).toBeNull();
  });
});
