import { describe, expect, it } from "vitest";
import { XYSeries } from "../run/series";
import { downsampleMinMax, lowerBound, upperBound } from "./downsample";

function series(n: number, f: (i: number) => number): XYSeries {
  const s = new XYSeries();
  for (let i = 0; i < n; i++) s.push(i, f(i));
  return s;
}

describe("downsampleMinMax", () => {
  it("returns every point when they fit", () => {
    const s = series(10, (i) => i * i);
    const out = downsampleMinMax(s.xs, s.ys, s.length, 0, 9, 100);
    expect(out.xs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.ys[3]).toBe(9);
  });

  it("keeps at most two points per column, and every spike and dip", () => {
    const s = series(100_000, (i) => Math.sin(i / 1000));
    s.ys[31_337] = 50; // a one-step spike
    s.ys[77_777] = -50; // a one-step dip
    const out = downsampleMinMax(s.xs, s.ys, s.length, 0, 99_999, 500);
    expect(out.xs.length).toBeLessThanOrEqual(2 * 500 + 2);
    expect(Math.max(...out.ys)).toBe(50);
    expect(Math.min(...out.ys)).toBe(-50);
    expect(out.xs).toContain(31_337);
    expect(out.xs).toContain(77_777);
  });

  it("keeps x in increasing order", () => {
    const s = series(20_000, (i) => ((i * 7919) % 101) - 50);
    const { xs } = downsampleMinMax(s.xs, s.ys, s.length, 0, 19_999, 300);
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1]);
  });

  it("draws a zoomed window in detail, reaching just past both edges", () => {
    const s = series(100_000, (i) => i % 10);
    const out = downsampleMinMax(s.xs, s.ys, s.length, 5000, 5100, 200);
    expect(out.xs[0]).toBe(4999);
    expect(out.xs.at(-1)).toBe(5101);
    expect(out.xs).toHaveLength(103); // 101 points in the window fit 200 columns: all of them
  });

  it("only reads the series up to its length (typed arrays have spare room)", () => {
    const s = series(3, (i) => i);
    expect(s.xs.length).toBeGreaterThan(3);
    expect(downsampleMinMax(s.xs, s.ys, s.length, 0, 1000, 10).xs).toEqual([0, 1, 2]);
  });

  it("is fast enough to run every animation frame on 100,000 points", () => {
    const s = series(100_000, Math.random);
    const started = performance.now();
    for (let k = 0; k < 10; k++) downsampleMinMax(s.xs, s.ys, s.length, 0, 99_999, 800);
    expect((performance.now() - started) / 10).toBeLessThan(16);
  });
});

describe("binary search bounds", () => {
  const xs = [1, 2, 2, 2, 5];
  it("finds the first index at or after a value", () => {
    expect(lowerBound(xs, xs.length, 2)).toBe(1);
    expect(lowerBound(xs, xs.length, 3)).toBe(4);
    expect(lowerBound(xs, xs.length, 9)).toBe(5);
  });
  it("finds the first index after a value", () => {
    expect(upperBound(xs, xs.length, 2)).toBe(4);
    expect(upperBound(xs, xs.length, 0)).toBe(0);
  });
});
