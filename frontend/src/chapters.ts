/**
 * The titles of the book's chapters, for the catalogue's headings. The keys are the chapter
 * numbers of the sections the demos name ("6.2 Convolutions for Images" is in chapter 6).
 */
const CHAPTER_TITLES: Record<string, string> = {
  "6": "Convolutional Neural Networks",
  "10": "Attention Mechanisms and Transformers",
  "11": "Optimization Algorithms",
  "13": "Computer Vision",
};

/** "11" → "Optimization Algorithms"; null for a chapter this map does not know. */
export function chapterTitle(chapter: string): string | null {
  return Object.hasOwn(CHAPTER_TITLES, chapter) ? CHAPTER_TITLES[chapter] : null;
}
