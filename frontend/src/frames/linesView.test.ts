import { describe, expect, it } from "vitest";
import type { LineSeries } from "../api/types";
import { type Box, LINEAR, axisTicks, logTicks, powerLabel, projector } from "./canvas";
import { describeLines, drawableRuns, extentOf } from "./linesView";

const box: Box = { left: 50, top: 10, width: 400, height: 300 };
const LOG_Y = { xLog: false, yLog: true };
const series = (y: (number | null)[], x = y.map((_, k) => k)): LineSeries => ({
  label: "s",
  x,
  y,
  style: "line",
});
const labelled = (min: number, max: number) =>
  logTicks(min, max)
    .filter((tick) => tick.label)
    .map((tick) => tick.label);

describe("log ticks", () => {
  it("puts labelled ticks at the powers of ten, 2–9 × 10^k between them unlabelled", () => {
    const ticks = logTicks(0.5, 150);
    expect(ticks.filter((t) => t.label).map((t) => t.value)).toEqual([1, 10, 100]);
    expect(ticks.filter((t) => !t.label).map((t) => t.value)).toEqual([
      0.5, 0.6, 0.7, 0.8, 0.9, 2, 3, 4, 5, 6, 7, 8, 9, 20, 30, 40, 50, 60, 70, 80, 90,
    ]);
  });

  it("labels small and large powers readably", () => {
    expect(labelled(2e-6, 3e-3)).toEqual(["1e-5", "1e-4", "0.001"]);
    expect(labelled(1, 1e5)).toEqual(["1", "10", "100", "1000", "1e4", "1e5"]);
    expect(powerLabel(1e-6)).toBe("1e-6");
    expect(powerLabel(5e7)).toBe("5e7");
    expect(powerLabel(0.02)).toBe("0.02");
  });

  it("labels every n-th power over many decades, and leaves out the minor ticks", () => {
    const ticks = logTicks(1e-13, 10);
    expect(ticks.filter((t) => t.label).map((t) => t.label)).toEqual(["1e-12", "1e-9", "1e-6", "0.001", "1"]);
    expect(ticks).toHaveLength(15); // every power from 1e-13 to 10, and nothing between
  });

  it("falls back to 1, 2, 5 × 10^k, then round numbers, over less than a decade", () => {
    expect(labelled(0.15, 3)).toEqual(["0.2", "0.5", "1", "2"]);
    expect(labelled(0.3, 0.45)).toEqual(["0.3", "0.35", "0.4", "0.45"]);
  });

  it("gives linear axes the usual round ticks", () => {
    expect(axisTicks(0, 1, false).map((t) => t.label)).toEqual(["0", "0.2", "0.4", "0.6", "0.8", "1"]);
  });
});

describe("projection", () => {
  it("spaces decades evenly on a log axis", () => {
    const to = projector(box, { xMin: 0, xMax: 1, yMin: 1e-6, yMax: 1 }, LOG_Y);
    expect(to.y(1)).toBeCloseTo(box.top);
    expect(to.y(1e-6)).toBeCloseTo(box.top + box.height);
    expect(to.y(1e-3)).toBeCloseTo(box.top + box.height / 2);
    expect(to.y(1e-5) - to.y(1e-4)).toBeCloseTo(to.y(1e-2) - to.y(1e-1));
    expect(to.x(0.5)).toBeCloseTo(box.left + box.width / 2); // x stays linear
  });

  it("maps both axes log when asked, and linear by default", () => {
    const to = projector(box, { xMin: 1, xMax: 100, yMin: 0, yMax: 10 }, { xLog: true, yLog: false });
    expect(to.x(10)).toBeCloseTo(box.left + box.width / 2);
    expect(projector(box, { xMin: 1, xMax: 100, yMin: 0, yMax: 10 }).x(10)).toBeCloseTo(
      box.left + (9 / 99) * box.width,
    );
  });
});

describe("what a log axis cannot show", () => {
  it("skips values ≤ 0 and null, leaving gaps", () => {
    expect(drawableRuns(series([1, 0.1, 0, 0.01, -1, null, 1e-3, 1e-4]), LOG_Y)).toEqual([
      [
        [0, 1],
        [1, 0.1],
      ],
      [[3, 0.01]],
      [
        [6, 1e-3],
        [7, 1e-4],
      ],
    ]);
  });

  it("keeps zero and negatives on a linear axis; a null is still a gap", () => {
    expect(drawableRuns(series([1, 0, -1, null, 2]), LINEAR)).toEqual([
      [
        [0, 1],
        [1, 0],
        [2, -1],
      ],
      [[4, 2]],
    ]);
  });

  it("skips x ≤ 0 on a log x axis", () => {
    expect(drawableRuns(series([5, 6, 7], [0, 1, 10]), { xLog: true, yLog: false })).toEqual([
      [
        [1, 6],
        [10, 7],
      ],
    ]);
  });

  it("fits the extent to the positive values, padded by a ratio", () => {
    const extent = extentOf([series([0, 1e-8, 1e-2, -3])], LOG_Y)!;
    expect(Math.log10(extent.yMin)).toBeCloseTo(-8 - 0.36);
    expect(Math.log10(extent.yMax)).toBeCloseTo(-2 + 0.36);
    expect([extent.xMin, extent.xMax]).toEqual([0, 3]);
    expect(extentOf([series([0, -1, null])], LOG_Y)).toBeNull();
  });

  it("says which axes are logarithmic", () => {
    const data = { series: [series([1])], x_label: "step", y_label: "‖g‖", x_log: false, y_log: true };
    expect(describeLines("grad_norms", data)).toBe("grad_norms: s; y on a log scale.");
  });
});
