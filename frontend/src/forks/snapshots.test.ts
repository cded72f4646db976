import { describe, expect, it } from "vitest";
import type { ParamsVersion } from "../run/jobRun";
import {
  lastSnapshot,
  noSnapshotMessage,
  paramsInForce,
  pickSnapshot,
  snapshotAtOrBefore,
} from "./snapshots";

describe("snapshotAtOrBefore", () => {
  const steps = [0, 100, 200, 210];

  it("is the newest snapshot at or before the step", () => {
    expect(snapshotAtOrBefore(steps, 150)).toBe(100);
    expect(snapshotAtOrBefore(steps, 100)).toBe(100);
    expect(snapshotAtOrBefore(steps, 99.5)).toBe(0);
    expect(snapshotAtOrBefore(steps, 1e9)).toBe(210);
  });

  it("is null before the first snapshot, or without any", () => {
    expect(snapshotAtOrBefore([21], 14)).toBeNull();
    expect(snapshotAtOrBefore([], 14)).toBeNull();
  });

  it("does not rely on the order of the list", () => {
    expect(snapshotAtOrBefore([200, 0, 100], 150)).toBe(100);
  });
});

describe("pickSnapshot", () => {
  it("picks a marker the click is near, even just before it", () => {
    expect(pickSnapshot([0, 100, 200], 98, 3)).toBe(100);
    expect(pickSnapshot([0, 100, 200], 102, 3)).toBe(100);
  });

  it("picks the nearer of two markers within reach", () => {
    expect(pickSnapshot([0, 10, 12], 11.8, 3)).toBe(12);
  });

  it("falls back to the newest at or before the click", () => {
    expect(pickSnapshot([0, 100, 200], 150, 3)).toBe(100);
    expect(pickSnapshot([21], 14, 3)).toBeNull();
    expect(pickSnapshot([21], 19, 3)).toBe(21);
  });
});

describe("lastSnapshot", () => {
  it("is the newest, or null without any", () => {
    expect(lastSnapshot([0, 21, 7])).toBe(21);
    expect(lastSnapshot([])).toBeNull();
  });
});

describe("paramsInForce", () => {
  const versions: ParamsVersion[] = [
    { step: 0, version: 1, params: { lr: 0.1 }, changes: [] },
    { step: 50, version: 2, params: { lr: 0.2 }, changes: [] },
    { step: 120, version: 3, params: { lr: 0.3 }, changes: [] },
  ];

  it("is the newest version reported at or before the step", () => {
    expect(paramsInForce(versions, 49, {})).toEqual({ lr: 0.1 });
    expect(paramsInForce(versions, 50, {})).toEqual({ lr: 0.2 });
    expect(paramsInForce(versions, 500, {})).toEqual({ lr: 0.3 });
  });

  it("is the newest for now, and the job's params when the run reported none", () => {
    expect(paramsInForce(versions, null, {})).toEqual({ lr: 0.3 });
    expect(paramsInForce([], 10, { lr: 9 })).toEqual({ lr: 9 });
    expect(paramsInForce([], null, { lr: 9 })).toEqual({ lr: 9 });
  });
});

describe("noSnapshotMessage", () => {
  it("names the first saved step when the click is before it", () => {
    expect(noSnapshotMessage("succeeded", 100, [21], 14)).toBe(
      "No step at or before step 14 was saved: the first saved step is 21.",
    );
  });

  it("says when a running run saves its first, and what a finished one without any means", () => {
    expect(noSnapshotMessage("running", 50, [], 3)).toContain("every 50 steps");
    expect(noSnapshotMessage("running", 50, [], 3)).toContain("Fork now");
    expect(noSnapshotMessage("queued", 50, [], null)).toContain("has not started");
    expect(noSnapshotMessage("succeeded", 50, [], null)).toContain("saved no training state");
  });
});
