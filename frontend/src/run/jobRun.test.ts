import { describe, expect, it } from "vitest";
import type { FrameEvent, JobEvent } from "../api/types";
import { JobRun } from "./jobRun";
import { LiveChanges } from "./liveChanges";
import { changesBetween, describePath, differingPaths } from "./paramDiff";

const immediately = (callback: () => void) => callback();

const params = (lr: number) => ({
  function: "quadratic",
  optimizers: [
    { name: "gd", label: null, lr },
    { name: "adam", label: "fast", lr: 0.1 },
  ],
  start: [-5, -2],
});

describe("JobRun", () => {
  it("builds metric series, trajectories, params versions and the final status from events", () => {
    const run = new JobRun("j", immediately);
    const events: JobEvent[] = [
      {
        seq: 1,
        ts: 0,
        step: null,
        type: "status",
        status: "queued",
        error: null,
        summary: null,
        worker: null,
      },
      {
        seq: 2,
        ts: 0,
        step: null,
        type: "status",
        status: "running",
        error: null,
        summary: null,
        worker: "w:1",
      },
      { seq: 3, ts: 0, step: 0, type: "params", params: params(0.4), version: 1 },
      {
        seq: 4,
        ts: 0,
        step: 0,
        type: "frame",
        name: "surface",
        kind: "surface",
        data: {
          x: [0, 1],
          y: [0, 1],
          z: [
            [0, 1],
            [1, 2],
          ],
          minima: [],
        },
      },
      { seq: 5, ts: 0, step: 0, type: "metric", values: { gd: 10, fast: 10 } },
      {
        seq: 6,
        ts: 0,
        step: 0,
        type: "frame",
        name: "positions",
        kind: "points",
        data: {
          labels: ["gd", "fast"],
          points: [
            [-5, -2],
            [-5, -2],
          ],
        },
      },
      { seq: 7, ts: 0, step: 1, type: "metric", values: { gd: 4, fast: 8 } },
      {
        seq: 8,
        ts: 0,
        step: 1,
        type: "frame",
        name: "positions",
        kind: "points",
        data: {
          labels: ["gd", "fast"],
          points: [
            [-3, 1],
            [-4, -1],
          ],
        },
      },
      { seq: 9, ts: 0, step: 2, type: "params", params: params(0.9), version: 2 },
      {
        seq: 10,
        ts: 0,
        step: null,
        type: "status",
        status: "diverged",
        error: "The loss `gd` became infinite at step 3",
        summary: null,
        worker: null,
      },
    ];
    let notified = 0;
    run.subscribe(() => notified++);
    events.forEach((event) => run.apply(event));

    expect(run.status).toBe("diverged");
    expect(run.error).toContain("infinite");
    expect(run.lastStep).toBe(2);
    expect([...run.metrics.keys()]).toEqual(["gd", "fast"]);
    expect(Array.from(run.metrics.get("gd")!.ys.subarray(0, 2))).toEqual([10, 4]);
    expect(run.trajectories.get("positions")!.trails.get("fast")!.length).toBe(2);
    expect([...run.frames.keys()]).toEqual(["surface", "positions"]);
    expect(run.paramsVersions.map((v) => [v.step, v.version, v.changes.map((c) => c.label)])).toEqual([
      [0, 1, []],
      [2, 2, ["gd.lr"]],
    ]);
    expect(notified).toBe(events.length);
  });

  it("gives a name the same color in the chart and in the pictures", () => {
    const run = new JobRun("j", immediately);
    run.apply({ seq: 1, ts: 0, step: 0, type: "metric", values: { gd: 1, adam: 2 } });
    run.apply({
      seq: 2,
      ts: 0,
      step: 0,
      type: "frame",
      name: "p",
      kind: "points",
      data: {
        labels: ["adam", "gd"],
        points: [
          [0, 0],
          [1, 1],
        ],
      },
    });
    expect(run.colors.colorOf("gd")).not.toBe(run.colors.colorOf("adam"));
    expect(run.colors.colorOf("gd")).toBe("#0072B2");
  });

  it("batches notifications to one per scheduled frame", () => {
    const frames: (() => void)[] = [];
    const run = new JobRun("j", (callback) => frames.push(callback));
    let notified = 0;
    run.subscribe(() => notified++);
    for (let seq = 1; seq <= 100; seq++)
      run.apply({ seq, ts: 0, step: seq, type: "metric", values: { loss: 1 } });
    expect(frames).toHaveLength(1);
    frames[0]();
    expect(notified).toBe(1);
  });
});

describe("param differences", () => {
  it("names list items by label or name, like the legend", () => {
    expect(describePath(params(0.4), ["optimizers", 0, "lr"])).toBe("gd.lr");
    expect(describePath(params(0.4), ["optimizers", 1, "lr"])).toBe("fast.lr");
  });

  it("finds the settings in which runs differ, including items only some have", () => {
    const a = params(0.4);
    const b = { ...params(0.9), function: "rosenbrock" };
    const c = {
      ...params(0.4),
      optimizers: [...params(0.4).optimizers, { name: "sgd", label: null, lr: 0.1 }],
    };
    expect(differingPaths([a, b]).map((p) => p.join("."))).toEqual(["function", "optimizers.0.lr"]);
    expect(differingPaths([a, c]).map((p) => p.join("."))).toEqual([
      "optimizers.2.name",
      "optimizers.2.label",
      "optimizers.2.lr",
    ]);
    expect(differingPaths([a, a])).toEqual([]);
  });

  it("describes a live change", () => {
    expect(changesBetween(params(0.4), params(0.9))).toEqual([
      { path: ["optimizers", 0, "lr"], label: "gd.lr", before: 0.4, after: 0.9 },
    ]);
  });
});

describe("LiveChanges", () => {
  it("gathers quick changes into one PATCH per pause, whole lists included, one at a time", async () => {
    const sent: object[] = [];
    let release = () => undefined as void;
    const changes = new LiveChanges((change) => {
      sent.push(change);
      return new Promise<void>((resolve) => (release = resolve));
    }, 5);
    changes.change("optimizers", { optimizers: [{ lr: 0.5 }], speed: 5 });
    changes.change("optimizers", { optimizers: [{ lr: 0.6 }], speed: 5 });
    changes.change("speed", { optimizers: [{ lr: 0.6 }], speed: 9 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual([{ optimizers: [{ lr: 0.6 }], speed: 9 }]);

    changes.change("speed", { speed: 10 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(1); // the first PATCH is still on its way
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual([{ optimizers: [{ lr: 0.6 }], speed: 9 }, { speed: 10 }]);
  });
});

describe("SeriesColors", () => {
  it("repeats colors after eight names, with a dash pattern per round", () => {
    const run = new JobRun("j", immediately);
    const names = Array.from({ length: 10 }, (_, i) => `w${i}`);
    names.forEach((name) => run.colors.colorOf(name));
    expect(new Set(names.slice(0, 8).map((n) => run.colors.colorOf(n))).size).toBe(8);
    expect(run.colors.colorOf("w8")).toBe(run.colors.colorOf("w0"));
    expect(run.colors.dashOf("w0")).toEqual([]);
    expect(run.colors.dashOf("w8")).not.toEqual([]);
  });
});

describe("picture panels", () => {
  const frame = (seq: number, name: string, kind: "surface" | "points" | "heatmap"): FrameEvent => {
    const event = { seq, ts: 0, step: 0, type: "frame", name } as const;
    switch (kind) {
      case "surface":
        return {
          ...event,
          kind,
          data: {
            x: [0, 1],
            y: [0, 1],
            z: [
              [0, 1],
              [1, 2],
            ],
            minima: [[0, 0]],
          },
        };
      case "points":
        return { ...event, kind, data: { labels: ["a"], points: [[0, 0]] } };
      case "heatmap":
        return { ...event, kind, data: { values: [[1, null]], x_labels: ["a", "b"], y_labels: ["r"] } };
    }
  };

  it("gives each frame name a panel, in order of arrival", async () => {
    const { panelsOf } = await import("../frames/registry");
    const run = new JobRun("j", immediately);
    [
      frame(1, "kernel", "heatmap"),
      frame(2, "positions", "points"),
      frame(3, "output", "heatmap"),
      frame(4, "kernel", "heatmap"),
    ].forEach((e) => run.apply(e));
    expect(panelsOf(run).map((p) => p.name)).toEqual(["kernel", "positions", "output"]);
  });

  it("hands a renderer the latest frame of its name only when it is of its kind", () => {
    const run = new JobRun("j", immediately);
    [frame(1, "kernel", "heatmap"), frame(2, "kernel", "heatmap")].forEach((e) => run.apply(e));
    expect(run.frameOf("kernel", "heatmap")).toMatchObject({ seq: 2, data: { y_labels: ["r"] } });
    expect(run.frameOf("kernel", "surface")).toBeUndefined();
    expect(run.frameOf("output", "heatmap")).toBeUndefined();
  });

  it("draws points on the surface when there is one, not in a panel of their own", async () => {
    const { panelsOf } = await import("../frames/registry");
    const run = new JobRun("j", immediately);
    [frame(1, "surface", "surface"), frame(2, "positions", "points")].forEach((e) => run.apply(e));
    expect(panelsOf(run)).toEqual([{ name: "surface", kind: "surface" }]);
  });
});
