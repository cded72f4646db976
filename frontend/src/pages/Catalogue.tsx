/** `/`: the demos, grouped by the book's chapters, each a card with a preview picture. */

import type { Demo } from "../api/types";
import { chapterTitle } from "../chapters";
import { EmptyState } from "../ui/states";

const previews = import.meta.glob<string>("../previews/*.svg", {
  eager: true,
  query: "?url",
  import: "default",
});

function previewOf(demoId: string): string {
  return previews[`../previews/${demoId}.svg`] ?? previews["../previews/default.svg"];
}

/** "11.3 Gradient Descent" → [11, 3]; sections without a number sort last. */
function sectionNumbers(section: string): number[] {
  const numbered = /^(\d+(?:\.\d+)*)/.exec(section)?.[1];
  return numbered ? numbered.split(".").map(Number) : [Infinity];
}

function bookOrder(a: Demo, b: Demo): number {
  const [x, y] = [sectionNumbers(a.chapter), sectionNumbers(b.chapter)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference) return difference;
  }
  return a.title.localeCompare(b.title);
}

/** The demos grouped by chapter ("11", or "Other"), chapters and sections in book order. */
export function byChapter(demos: Demo[]): [string, Demo[]][] {
  const groups = new Map<string, Demo[]>();
  for (const demo of [...demos].sort(bookOrder)) {
    const chapter = Number.isFinite(sectionNumbers(demo.chapter)[0])
      ? String(sectionNumbers(demo.chapter)[0])
      : "Other";
    groups.set(chapter, [...(groups.get(chapter) ?? []), demo]);
  }
  return [...groups];
}

export function Catalogue({ demos }: { demos: Demo[] }) {
  if (demos.length === 0) {
    return (
      <EmptyState title="No demos yet.">
        <p>
          This server offers no demos. Demos are registered in <code>workers/demos/__init__.py</code>.
        </p>
      </EmptyState>
    );
  }
  return (
    <div class="catalogue">
      <h1>Demos</h1>
      <p class="lead">
        Each demo trains a model of <cite>Dive into Deep Learning</cite> for real, live: press Train, watch it
        learn, and change its settings while it runs.
      </p>
      {byChapter(demos).map(([chapter, group]) => (
        <section key={chapter} aria-labelledby={`chapter-${chapter}`}>
          <h2 id={`chapter-${chapter}`}>
            <ChapterHeading chapter={chapter} />
          </h2>
          <ul class="cards">
            {group.map((demo) => (
              <li key={demo.id} class="card">
                <a href={`/demos/${encodeURIComponent(demo.id)}`} class="card-link">
                  <img src={previewOf(demo.id)} alt="" width={240} height={150} />
                  <span class="card-section">{demo.chapter}</span>
                  <span class="card-title">{demo.title}</span>
                  <span class="card-summary">{demo.summary}</span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** "11 Optimization Algorithms", as the book's contents name it; "Chapter 12" without a title. */
function ChapterHeading({ chapter }: { chapter: string }) {
  if (chapter === "Other") return <>Other demos</>;
  const title = chapterTitle(chapter);
  if (!title) return <>Chapter {chapter}</>;
  return (
    <>
      <span class="chapter-number">{chapter}</span> {title}
    </>
  );
}
