import { describe, expect, it } from "vitest";
import type { JobEvent } from "../api/types";
import { JobRun } from "../run/jobRun";
import { XYSeries } from "../run/series";
import {
  BranchedSeries,
  PARENT_DASH,
  Watched,
  curvesOf,
  dimmed,
  forkChartSource,
  withSnapshots,
} from "./branch";

const points = (series: XYSeries) =>
  Array.from({ length: series.length }, (_, i) => [series.xs[i], series.ys[i]]);

const immediately = (callback: () => void) => callback();

let seq = 0;
const metric = (step: number, values: Record<string, number>): JobEvent => ({
  seq: ++seq,
  ts: 0,
  step,
  type: "metric",
  values,
});

describe("BranchedSeries", () => {
  const parent = XYSeries.of([7, 14, 21, 28, 35], [0.9, 0.8, 0.7, 0.6, 0.5]);

  it("starts where it branches off the parent's curve, then goes on with the fork's own points", () => {
    const own = XYSeries.of([28, 35], [0.65, 0.62]);
    expect(points(new BranchedSeries(parent, 21).sync(own))).toEqual([
      [21, 0.7],
      [28, 0.65],
      [35, 0.62],
    ]);
  });

  it("branches off the parent's last point before the fork step when none is at it", () => {
    const own = XYSeries.of([28], [0.65]);
    expect(points(new BranchedSeries(parent, 20).sync(own))).toEqual([
      [14, 0.8],
      [28, 0.65],
    ]);
  });

  it("grows with the fork's points, copying each once", () => {
    const own = new XYSeries();
    const branch = new BranchedSeries(parent, 14);
    expect(points(branch.sync(own))).toEqual([[14, 0.8]]);
    own.push(21, 0.75);
    branch.sync(own);
    own.push(28, 0.74);
    expect(points(branch.sync(own))).toEqual([
      [14, 0.8],
      [21, 0.75],
      [28, 0.74],
    ]);
  });

  it("is the fork's own points alone without the parent's, and skips any at or before the fork", () => {
    const own = XYSeries.of([21, 28], [1, 2]);
    expect(points(new BranchedSeries(undefined, 21).sync(own))).toEqual([[28, 2]]);
  });
});

describe("forkChartSource", () => {
  it("draws each line of the fork continuing its parent's, over the parent's whole curve", () => {
    const run = new JobRun("fork", immediately);
    run.apply(metric(28, { loss: 0.65 }));
    const parent = new Watched(new Map<string, XYSeries>());
    const source = forkChartSource(run, 21, parent, "parent abc123");
    // before the parent's curves arrive: the fork's own points
    expect(source.lines().map((line) => [line.key, points(line.series)])).toEqual([["loss", [[28, 0.65]]]]);

    let told = 0;
    source.subscribe(() => told++);
    parent.set(curvesOf({ loss: { steps: [7, 21, 28], values: [0.9, 0.7, 0.6], total_points: 3 } }));
    expect(told).toBe(1);
    const [fork, theirs] = source.lines();
    expect([fork.key, fork.label, points(fork.series)]).toEqual([
      "loss",
      "loss",
      [
        [21, 0.7],
        [28, 0.65],
      ],
    ]);
    expect([theirs.key, theirs.label, theirs.dash, points(theirs.series)]).toEqual([
      "parent/loss",
      "loss · parent abc123",
      PARENT_DASH,
      [
        [7, 0.9],
        [21, 0.7],
        [28, 0.6],
      ],
    ]);
    expect(theirs.color).toBe(dimmed(fork.color));
    expect(source.steps?.()).toEqual({ min: 7, max: 28 });
  });

  it("keeps a chart's metrics only", () => {
    const run = new JobRun("fork", immediately);
    run.apply(metric(28, { loss: 0.65, acc: 0.5 }));
    const parent = new Watched(curvesOf({ acc: { steps: [21], values: [0.4], total_points: 1 } }));
    const source = forkChartSource(run, 21, parent, "parent", (name) => name === "acc");
    expect(source.lines().map((line) => line.key)).toEqual(["acc", "parent/acc"]);
  });
});

describe("withSnapshots", () => {
  it("marks the saved steps and tells the chart when they change", () => {
    const run = new JobRun("j", immediately);
    const steps = new Watched<readonly number[]>([0]);
    const source = withSnapshots(forkChartSource(run, 0, new Watched(new Map()), "p"), steps);
    let told = 0;
    const stop = source.subscribe(() => told++);
    steps.set([0, 100]);
    expect([source.snapshots?.(), told]).toEqual([[0, 100], 1]);
    stop();
    steps.set([0, 100, 200]);
    expect(told).toBe(1);
  });
});

describe("dimmed", () => {
  it("makes a palette color half transparent and leaves others alone", () => {
    expect(dimmed("#0072B2")).toBe("#0072B280");
    expect(dimmed("rgb(0,0,0)")).toBe("rgb(0,0,0)");
  });
});
