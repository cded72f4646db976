/**
 * The books a demo reproduces and explains, as the API describes them (`Demo.book`,
 * `Demo.zefs`): the catalogue's chapters, and the references on its cards and demo pages.
 * Nothing here knows a chapter or a section: it all comes from the server.
 */

import type { BookSection, Demo, ZefsChapter } from "./api/types";

/** What the catalogue heads the demos that name no section of the book with (their `chapter`). */
export const BEYOND_THE_BOOK = "Beyond the book";

/** The demos of one chapter of *Dive into Deep Learning* (today's numbering). */
export interface ChapterGroup {
  /** "12"; null for the demos beyond the book (they name no section of it). */
  chapter: string | null;
  /** "Optimization Algorithms"; null when the API names none. */
  title: string | null;
  demos: Demo[];
}

/** The section a demo is about (the first it reproduces); undefined if it names none. */
export const mainSection = (demo: Demo): BookSection | undefined => demo.book[0];

/** "12.3 Gradient Descent". */
export const sectionLabel = (section: { number: string; title: string }): string =>
  `${section.number} ${section.title}`;

/** "12.10" → [12, 10]: sections in book order compare number by number, not as text. */
function sectionNumbers(number: string | undefined): number[] {
  const numbered = number && /^(\d+(?:\.\d+)*)/.exec(number)?.[1];
  return numbered ? numbered.split(".").map(Number) : [Infinity];
}

function bookOrder(a: Demo, b: Demo): number {
  const [x, y] = [sectionNumbers(mainSection(a)?.number), sectionNumbers(mainSection(b)?.number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference) return difference;
  }
  return a.title.localeCompare(b.title);
}

/**
 * The demos grouped by the chapter of their main section, chapters and sections in book order
 * (today's numbers); the demos that name no section come last.
 */
export function byChapter(demos: readonly Demo[]): ChapterGroup[] {
  const groups = new Map<string | null, ChapterGroup>();
  for (const demo of [...demos].sort(bookOrder)) {
    const section = mainSection(demo);
    const chapter = section?.chapter ?? null;
    let group = groups.get(chapter);
    if (!group) {
      group = { chapter, title: section?.chapter_title || null, demos: [] };
      groups.set(chapter, group);
    }
    group.demos.push(demo);
  }
  return [...groups.values()];
}

/** "Beyond the book" for the group of demos that name no section, "12 Optimization
 * Algorithms" for a chapter, "Chapter 12" for a chapter the API gives no title. */
export function groupHeading(group: ChapterGroup): string {
  if (group.chapter === null) return BEYOND_THE_BOOK;
  return group.title ? `${group.chapter} ${group.title}` : `Chapter ${group.chapter}`;
}

/**
 * What a card names first: the demo's main section ("12.3 Gradient Descent"), or for a demo
 * beyond the book the chapter of Zefs Guide it follows ("Zefs Guide, ch. 7: Diffusion models").
 */
export function cardReference(demo: Demo): string {
  const section = mainSection(demo);
  if (section) return sectionLabel(section);
  const zefs = zefsLine(demo.zefs);
  return zefs ? `Zefs Guide, ${zefs}` : demo.chapter;
}

/** The section in the 0.14 edition ("10.3 Transformer"), or null when it is the same as today's. */
export function edition014(section: BookSection): string | null {
  const old = section.edition_0_14;
  return old.number === section.number && old.title === section.title ? null : sectionLabel(old);
}

/** A chapter of *Zefs Guide to Deep Learning* with the topics a demo shows from it. */
export interface ZefsReference {
  chapter: number;
  title: string;
  topics: string[];
}

/** The demo's Zefs Guide topics gathered by chapter, in the order the API lists them. */
export function zefsReferences(zefs: readonly ZefsChapter[]): ZefsReference[] {
  const chapters = new Map<number, ZefsReference>();
  for (const { chapter, chapter_title, topic } of zefs) {
    const reference = chapters.get(chapter) ?? { chapter, title: chapter_title, topics: [] };
    chapters.set(chapter, reference);
    if (!reference.topics.includes(topic)) reference.topics.push(topic);
  }
  return [...chapters.values()];
}

/** "ch. 6: Attention, Transformers; ch. 7: ..." (after "Zefs Guide, "); null for none. */
export function zefsLine(zefs: readonly ZefsChapter[]): string | null {
  const references = zefsReferences(zefs);
  if (references.length === 0) return null;
  return references.map(({ chapter, topics }) => `ch. ${chapter}: ${topics.join(", ")}`).join("; ");
}
