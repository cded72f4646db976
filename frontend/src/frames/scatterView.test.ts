import { describe, expect, it } from "vitest";
import type { ScatterData } from "../api/types";
import { describeScatter, groupColor, groupsOf, scatterExtent, shortLabel } from "./scatterView";

const data: ScatterData = {
  points: [
    [0, 0],
    [2, 1],
    [-1, 3],
    [1, 1],
  ],
  labels: ["the", "of", "intel", "chip"],
  groups: ["frequent words", "frequent words", "nearest to “chip”", "probe"],
  x_label: "component 1",
  y_label: "component 2",
};

describe("scatter frames", () => {
  it("lists the groups in the order their first point comes, each with its own colour", () => {
    expect(groupsOf(data)).toEqual(["frequent words", "nearest to “chip”", "probe"]);
    expect(new Set([0, 1, 2].map(groupColor)).size).toBe(3);
  });

  it("fits the points with 8% to spare on each side, and skips what is not a number", () => {
    const extent = scatterExtent([...data.points, [Number.NaN, 5]]);
    expect(extent).not.toBeNull();
    expect(extent!.xMin).toBeCloseTo(-1 - 0.24);
    expect(extent!.xMax).toBeCloseTo(2 + 0.24);
    expect(extent!.yMin).toBeCloseTo(0 - 0.24);
    expect(extent!.yMax).toBeCloseTo(3 + 0.24);
    expect(scatterExtent([])).toBeNull();
  });

  it("gives a single point an extent around it rather than none", () => {
    const extent = scatterExtent([[4, 4]])!;
    expect([extent.xMin, extent.xMax]).toEqual([3.92, 4.08]);
  });

  it("tells a screen reader every group's labels", () => {
    expect(describeScatter("embeddings (PCA)", data)).toBe(
      "embeddings (PCA): 4 labelled points. frequent words: the, of; nearest to “chip”: intel; probe: chip.",
    );
  });

  it("shortens long labels", () => {
    expect(shortLabel("internationalization")).toBe("internationalizat…");
    expect(shortLabel("chip")).toBe("chip");
  });
});
