import { describe, expect, it } from "vitest";
import type { BookSection, Demo } from "./api/types";
import {
  BEYOND_THE_BOOK,
  byChapter,
  cardReference,
  edition014,
  groupHeading,
  mainSection,
  sectionLabel,
  zefsLine,
  zefsReferences,
} from "./book";

/** A section as `GET /api/demos` describes it: today's numbering, and the 0.14 edition's. */
function section(
  number: string,
  title: string,
  chapterTitle: string,
  old = number,
  oldTitle = title,
): BookSection {
  return {
    number,
    title,
    chapter: number.split(".")[0],
    chapter_title: chapterTitle,
    edition_0_14: { number: old, title: oldTitle },
    url: `https://d2l.ai/search.html?q=${encodeURIComponent(title)}`,
  };
}

function demo(id: string, book: BookSection[], zefs: Demo["zefs"] = []): Demo {
  return {
    id,
    title: id,
    chapter: book[0] ? sectionLabel(book[0]) : BEYOND_THE_BOOK, // as the API says it
    summary: "",
    book,
    zefs,
    preview_url: `/api/demos/${id}/preview.svg`,
    params_schema: {},
    live_params: [],
    what_to_try: [],
    charts: [],
    notices: [],
    presets: [],
  };
}

const OPT = "Optimization Algorithms";
const ATTENTION = "Attention Mechanisms and Transformers";
const gd = demo("gradient-descent", [
  section("12.3", "Gradient Descent", OPT, "11.3"),
  section("12.10", "Adam", OPT, "11.10"),
]);
const adam = demo("adam", [section("12.10", "Adam", OPT, "11.10")]);
const transformer = demo(
  "transformer-attention",
  [section("11.7", "The Transformer Architecture", ATTENTION, "10.3", "Transformer")],
  [
    { chapter: 6, chapter_title: "Natural language processing and sequential data", topic: "Attention" },
    { chapter: 6, chapter_title: "Natural language processing and sequential data", topic: "Transformers" },
  ],
);
const pooling = demo("attention-pooling", [
  section("11.2", "Attention Pooling by Similarity", ATTENTION, "10.1", "Attention Mechanisms"),
]);
const loose = demo("loose", []);
const diffusion = demo(
  "diffusion-2d",
  [],
  [
    {
      chapter: 7,
      chapter_title: "Advanced techniques and practical considerations",
      topic: "Diffusion models",
    },
  ],
);

describe("the catalogue's chapters", () => {
  it("groups demos by their main section's chapter, titled as the API names it, in book order", () => {
    const groups = byChapter([adam, loose, gd, transformer, pooling]);
    expect(groups.map((g) => [g.chapter, g.title, g.demos.map((d) => d.id)])).toEqual([
      ["11", ATTENTION, ["attention-pooling", "transformer-attention"]],
      ["12", OPT, ["gradient-descent", "adam"]], // 12.3 before 12.10: by number, not as text
      [null, null, ["loose"]],
    ]);
  });

  it("heads the demos beyond the book (no section) last, and names their Zefs Guide chapter on the card", () => {
    const groups = byChapter([diffusion, gd, adam]);
    expect(groups.map(groupHeading)).toEqual([`12 ${OPT}`, "Beyond the book"]);
    expect(groups[1].demos.map((d) => d.id)).toEqual(["diffusion-2d"]);
    expect(cardReference(diffusion)).toBe("Zefs Guide, ch. 7: Diffusion models");
    expect(cardReference(gd)).toBe("12.3 Gradient Descent");
    expect(cardReference(loose)).toBe("Beyond the book"); // no Zefs chapter either: the API's word
    expect(groupHeading({ chapter: "21", title: null, demos: [] })).toBe("Chapter 21");
  });

  it("knows no chapter of its own: a chapter the API adds is a group like the others", () => {
    const later = demo("later", [section("20.1", "Generative Adversarial Networks", "GANs")]);
    expect(byChapter([later, gd]).map((g) => `${g.chapter} ${g.title}`)).toEqual([`12 ${OPT}`, "20 GANs"]);
    const untitled = demo("untitled", [section("21.1", "Something", "")]);
    expect(byChapter([untitled])[0]).toMatchObject({ chapter: "21", title: null });
    expect(byChapter([])).toEqual([]);
  });

  it("takes the first section as the main one", () => {
    expect(mainSection(gd)?.number).toBe("12.3");
    expect(mainSection(loose)).toBeUndefined();
  });
});

describe("book references", () => {
  it("names the 0.14 edition's section only where it differs from today's", () => {
    expect(edition014(transformer.book[0])).toBe("10.3 Transformer");
    expect(edition014(gd.book[0])).toBe("11.3 Gradient Descent");
    expect(edition014(section("2.1", "Data Manipulation", "Preliminaries"))).toBeNull();
    // the same number under another title is still worth saying
    expect(edition014(section("2.1", "Data Manipulation", "Preliminaries", "2.1", "Data"))).toBe("2.1 Data");
  });

  it("gathers the Zefs Guide topics by chapter", () => {
    expect(zefsReferences(transformer.zefs)).toEqual([
      {
        chapter: 6,
        title: "Natural language processing and sequential data",
        topics: ["Attention", "Transformers"],
      },
    ]);
    expect(zefsLine(transformer.zefs)).toBe("ch. 6: Attention, Transformers");
    expect(
      zefsLine([
        { chapter: 3, chapter_title: "Neural Networks", topic: "Learning via gradient descent" },
        { chapter: 5, chapter_title: "Computer vision", topic: "Gradient descent algorithms" },
      ]),
    ).toBe("ch. 3: Learning via gradient descent; ch. 5: Gradient descent algorithms");
    expect(zefsLine([])).toBeNull();
  });
});
