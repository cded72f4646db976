import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../api/types";
import {
  countLabel,
  describeLineErrors,
  farEnough,
  formatPoints,
  parsePoints,
  samePoints,
  toPixel,
  toPlane,
  withPoints,
} from "./points";
import { formFields } from "./schema";
import { defaultsOf } from "./values";

// As pydantic emits `points: list[tuple[Coordinate, Coordinate]]` with `widget="points"`.
const coordinate = { type: "number", minimum: -5, maximum: 5 };
const schema: JsonSchema = {
  type: "object",
  properties: {
    points: {
      type: "array",
      default: [],
      maxItems: 2000,
      title: "Points",
      widget: "points",
      items: { type: "array", minItems: 2, maxItems: 2, prefixItems: [coordinate, coordinate] },
    },
  },
};

describe("the schema's points params", () => {
  it("become a points editor on the plane of the coordinates' bounds, with their most", () => {
    const [field] = formFields(schema);
    expect(field).toMatchObject({ kind: "points", range: 5, maxItems: 2000, label: "Points" });
    expect(defaultsOf([field])).toEqual({ points: [] });
  });

  it("take R = 1 when the coordinates are unbounded, and no most when the list has none", () => {
    const [field] = formFields({
      properties: {
        p: { type: "array", widget: "points", items: { type: "array", items: { type: "number" } } },
      },
    });
    expect(field).toMatchObject({ kind: "points", range: 1, maxItems: Infinity });
  });
});

describe("pixels and the plane", () => {
  it("maps the canvas's corners and centre to the plane's, y upwards", () => {
    expect(toPlane(0, 0, 320, 5)).toEqual([-5, 5]);
    expect(toPlane(320, 320, 320, 5)).toEqual([5, -5]);
    expect(toPlane(160, 160, 320, 5)).toEqual([0, 0]);
    expect(toPlane(240, 80, 320, 5)).toEqual([2.5, 2.5]);
    expect(toPlane(-10, 400, 320, 5)).toEqual([-5, -5]); // off the canvas: clamped to the plane
  });

  it("keeps two decimals, and toPixel inverts toPlane", () => {
    const [x, y] = toPlane(101, 33, 320, 5);
    expect([x, y]).toEqual([-1.84, 3.97]); // 101/320·10 − 5 = −1.84375; 5 − 33/320·10 = 3.96875
    const [px, py] = toPixel(x, y, 320, 5);
    expect(px).toBeCloseTo(101.12, 2);
    expect(py).toBeCloseTo(32.96, 2);
    expect(toPixel(-5, 5, 320, 5)).toEqual([0, 0]);
  });

  it("sprays a drag's next point only once the pointer has moved a few pixels", () => {
    expect(farEnough([0, 0], [3, 4])).toBe(false); // 5 px
    expect(farEnough([0, 0], [6, 0])).toBe(true);
    expect(farEnough([10, 10], [14, 15], 6)).toBe(true); // √41 ≈ 6.4
  });
});

describe("the most points", () => {
  it("adds points up to the most, and says when some did not fit", () => {
    expect(withPoints([[0, 0]], [[1, 1]], 3)).toEqual({
      points: [
        [0, 0],
        [1, 1],
      ],
      full: false,
    });
    expect(
      withPoints(
        [
          [0, 0],
          [1, 1],
        ],
        [
          [2, 2],
          [3, 3],
        ],
        3,
      ),
    ).toEqual({
      points: [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
      full: true,
    });
    expect(withPoints([[0, 0]], [[1, 1]], 1)).toEqual({ points: [[0, 0]], full: true });
  });

  it("counts in words", () => {
    expect(countLabel(37, 2000)).toBe("37 points, at most 2,000");
    expect(countLabel(1, 2000)).toBe("1 point, at most 2,000");
    expect(countLabel(0, Infinity)).toBe("0 points");
  });
});

describe("the text box", () => {
  it("reads “x, y” lines, and writes them back", () => {
    const text = "0.5, -1.2\n\n(1, 2)\n3 4\n−1; 0.25\n";
    const parsed = parsePoints(text, 5, 2000);
    expect(parsed).toEqual({
      points: [
        [0.5, -1.2],
        [1, 2],
        [3, 4],
        [-1, 0.25],
      ],
      errors: [],
      tooMany: null,
    });
    expect(formatPoints(parsed.points)).toBe("0.5, -1.2\n1, 2\n3, 4\n-1, 0.25");
    expect(parsePoints(formatPoints(parsed.points), 5, 2000).points).toEqual(parsed.points);
  });

  it("reports every bad line by its number instead of dropping it", () => {
    const parsed = parsePoints("1, 1\nabc\n2, 2, 2\n7, 0\n-1e1, 0", 5, 2000);
    expect(parsed.points).toEqual([[1, 1]]);
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(parsed.errors[0].message).toBe("“abc” is not two numbers “x, y”");
    expect(parsed.errors[2].message).toBe("(7, 0) lies outside the plane: each coordinate within ±5");
    expect(describeLineErrors(parsed.errors, 2)).toBe(
      "Line 2: “abc” is not two numbers “x, y”. Line 3: “2, 2, 2” is not two numbers “x, y”. And 2 more lines.",
    );
    expect(describeLineErrors([])).toBeNull();
  });

  it("refuses more points than the param takes", () => {
    const parsed = parsePoints("0, 0\n1, 1\n2, 2", 5, 2);
    expect(parsed.points).toHaveLength(3);
    expect(parsed.tooMany).toBe("3 points: at most 2 are taken; remove some.");
  });

  it("compares lists point by point", () => {
    expect(samePoints([[1, 2]], [[1, 2]])).toBe(true);
    expect(samePoints([[1, 2]], [[2, 1]])).toBe(false);
    expect(samePoints([], [[0, 0]])).toBe(false);
  });
});
