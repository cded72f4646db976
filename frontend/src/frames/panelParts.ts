/** Parts the frame renderers share: a legend entry and the note of an empty picture. */

/** A legend entry: a colour swatch and its label. */
export function swatchItem(label: string, color: string): HTMLLIElement {
  const item = document.createElement("li");
  const swatch = document.createElement("span");
  swatch.className = "swatch bar-swatch";
  swatch.style.background = color;
  item.append(swatch, label);
  return item;
}

/** What a picture says while it has nothing to draw ("No bars in this picture yet."). */
export function emptyNote(message: string): HTMLElement {
  const note = document.createElement("div");
  note.className = "empty-state";
  note.setAttribute("role", "note");
  const title = document.createElement("p");
  title.className = "empty-title";
  title.textContent = message;
  note.append(title);
  return note;
}
