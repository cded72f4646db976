/** `/`: the demos, grouped by the book's chapters, each a card with a preview picture. */

import { api } from "../api/client";
import type { Demo } from "../api/types";
import {
  type ChapterGroup,
  byChapter,
  cardReference,
  edition014,
  groupHeading,
  mainSection,
  zefsLine,
} from "../book";
import { EmptyState } from "../ui/states";

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
      {byChapter(demos).map((group) => {
        const id = `chapter-${group.chapter ?? "beyond"}`;
        return (
          <section key={id} aria-labelledby={id}>
            <h2 id={id}>
              <ChapterHeading group={group} />
            </h2>
            <ul class="cards">
              {group.demos.map((demo) => (
                <li key={demo.id} class="card">
                  <Card demo={demo} />
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function Card({ demo }: { demo: Demo }) {
  const section = mainSection(demo);
  const before = section && edition014(section);
  // a demo beyond the book names its Zefs Guide chapter first, in the section's place
  const zefs = section ? zefsLine(demo.zefs) : null;
  return (
    <a href={`/demos/${encodeURIComponent(demo.id)}`} class="card-link">
      <img src={api.url(demo.preview_url)} alt="" width={240} height={150} />
      <span class="card-section">{cardReference(demo)}</span>
      {before && <span class="card-edition">0.14 edition: {before}</span>}
      <span class="card-title">{demo.title}</span>
      <span class="card-summary">{demo.summary}</span>
      {zefs && <span class="card-zefs">Zefs Guide, {zefs}</span>}
    </a>
  );
}

/** "12 Optimization Algorithms", as the book's contents name it; "Chapter 12" without a title;
 * "Beyond the book" for the demos that name no section. */
function ChapterHeading({ group }: { group: ChapterGroup }) {
  if (group.chapter === null || !group.title) return <>{groupHeading(group)}</>;
  return (
    <>
      <span class="chapter-number">{group.chapter}</span> {group.title}
    </>
  );
}
