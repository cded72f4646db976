import { describe, expect, it } from "vitest";
import type { BarsData } from "../api/types";
import {
  barLayout,
  barX,
  categoryAt,
  describeBars,
  hasBars,
  labelledCategories,
  labelPlan,
  shortLabel,
  valueRange,
} from "./barsView";

const CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag"];

const probe: BarsData = {
  categories: CLASSES,
  series: [{ label: "probability", values: CLASSES.map((_, i) => (i === 2 ? 0.6 : 0.05)) }],
  highlight: 2,
  y_label: "probability",
};

describe("bar layout", () => {
  it("fits few bars in the width, no wider than a bar should be, centred", () => {
    const layout = barLayout(3, 1, 600);
    expect(layout.bar).toBeLessThanOrEqual(36);
    expect(layout.width).toBe(600);
    expect(layout.scrolls).toBe(false);
    const [left, right] = [barX(layout, 0, 0), barX(layout, 2, 0) + layout.bar];
    expect(left).toBeCloseTo(600 - right); // as much room on either side
  });

  it("sets a category's bars side by side within its group, parted from the next group", () => {
    const layout = barLayout(10, 4, 600);
    const group = (i: number) => [0, 1, 2, 3].map((j) => barX(layout, i, j));
    expect(group(0)[1] - group(0)[0]).toBeCloseTo(layout.bar);
    expect(group(1)[0] - (group(0)[3] + layout.bar)).toBeGreaterThanOrEqual(1); // a gap
    expect(categoryAt(layout, 10, barX(layout, 7, 2))).toBe(7);
    expect(categoryAt(layout, 10, -5)).toBeNull();
  });

  it("keeps every bar at least a pixel wide: 500 × 4 bars scroll, 200 × 2 fit", () => {
    const many = barLayout(500, 4, 600);
    expect(many.bar).toBeGreaterThanOrEqual(1);
    expect(many.width).toBe(2000);
    expect(many.scrolls).toBe(true);
    const weights = barLayout(200, 2, 600);
    expect(weights.scrolls).toBe(false);
    expect(barX(weights, 199, 1) + weights.bar).toBeLessThanOrEqual(600 + 1e-9);
  });

  it("leaves the room it is told to on the left (for the first slanted label)", () => {
    const layout = barLayout(200, 1, 600, 30);
    expect(barX(layout, 0, 0)).toBeGreaterThanOrEqual(30);
    expect(barX(layout, 199, 0) + layout.bar).toBeLessThanOrEqual(600 + 1e-9);
  });
});

describe("the y axis", () => {
  it("always reaches zero, where bars grow from", () => {
    const [low, high] = valueRange([{ label: "p", values: [0.2, 0.9] }]);
    expect(low).toBe(0);
    expect(high).toBeGreaterThan(0.9);
  });

  it("takes in negative values (weights), with a margin on both sides", () => {
    const [low, high] = valueRange([
      { label: "learned", values: [2, -3.4] },
      { label: "true", values: [1.9, -3.5] },
    ]);
    expect(low).toBeLessThan(-3.5);
    expect(high).toBeGreaterThan(2);
  });

  it("is a unit range when every value is zero, or none is a number", () => {
    expect(valueRange([{ label: "w", values: [0, 0] }])).toEqual([0, 1.06]);
    expect(valueRange([{ label: "w", values: [NaN] }])).toEqual([0, 1.06]);
  });
});

describe("category labels", () => {
  it("stay level while they fit their group, else slant and thin out", () => {
    expect(labelPlan(40, 60)).toEqual({ rotated: false, every: 1 });
    expect(labelPlan(40, 30)).toEqual({ rotated: true, every: 1 });
    expect(labelPlan(20, 3)).toEqual({ rotated: true, every: 7 }); // 200 weights on 600 px
  });

  it("write every n-th, and the highlighted one always, its near neighbours giving way", () => {
    expect(labelledCategories(10, 1, 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(labelledCategories(12, 4, null)).toEqual([0, 4, 8]);
    expect(labelledCategories(12, 4, 6)).toEqual([0, 6]);
    expect(labelledCategories(12, 4, 8)).toEqual([0, 4, 8]);
  });

  it("are shortened when long", () => {
    expect(shortLabel("Sneaker")).toBe("Sneaker");
    expect(shortLabel("a very long class name")).toBe("a very long c…");
  });
});

describe("the description screen readers get", () => {
  it("gives every value while they are few, and the marked category", () => {
    const text = describeBars("probe", probe);
    expect(text).toContain("probe: bars of probability (probability)");
    expect(text).toContain("Pullover 0.6; Dress 0.05");
    expect(text).toContain("Marked: Pullover.");
  });

  it("gives the range when they are many", () => {
    const weights: BarsData = {
      categories: Array.from({ length: 200 }, (_, i) => `w${i + 1}`),
      series: [
        { label: "learned", values: Array.from({ length: 200 }, (_, i) => i / 100 - 1) },
        { label: "true", values: Array.from({ length: 200 }, () => 0.5) },
      ],
      highlight: null,
      y_label: "",
    };
    expect(describeBars("weights", weights)).toBe(
      "weights: bars of learned, true over 200 categories (w1 to w200), values from -1 to 0.99.",
    );
  });

  it("ignores a highlight past the categories", () => {
    expect(describeBars("probe", { ...probe, highlight: 40 })).not.toContain("Marked");
  });
});

it("an empty frame has no bars", () => {
  expect(hasBars({ ...probe, categories: [] })).toBe(false);
  expect(hasBars({ ...probe, series: [] })).toBe(false);
  expect(hasBars(probe)).toBe(true);
});
