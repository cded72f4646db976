import { describe, expect, it } from "vitest";
import { chapterTitle } from "./chapters";

describe("chapterTitle", () => {
  it("names the book's chapters by number", () => {
    expect(chapterTitle("6")).toBe("Convolutional Neural Networks");
    expect(chapterTitle("10")).toBe("Attention Mechanisms and Transformers");
    expect(chapterTitle("11")).toBe("Optimization Algorithms");
    expect(chapterTitle("13")).toBe("Computer Vision");
  });

  it("knows no title for other chapters, whatever the key", () => {
    expect(chapterTitle("12")).toBeNull();
    expect(chapterTitle("Other")).toBeNull();
    expect(chapterTitle("constructor")).toBeNull();
  });
});
