/**
 * A points param (`widget: "points"`): the learner draws points on a canvas showing the plane
 * [−R, R]² (a click adds one, a drag sprays them along its path), or types them as "x, y"
 * lines in the text box beside it; both show the same points. The value is the list of [x, y].
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { pathKey, valueAt } from "../run/paramDiff";
import { Notes, useIds } from "./notes";
import type { FieldProps } from "./ParamsForm";
import {
  countLabel,
  describeLineErrors,
  farEnough,
  formatPoints,
  parsePoints,
  type Point,
  samePoints,
  toPixel,
  toPlane,
  withPoints,
} from "./points";
import type { PointsField } from "./schema";

const SIZE = 320; // the canvas's pixels (CSS pixels; drawn at the screen's resolution)

export function PointsEditor({
  field,
  path,
  context,
  locked,
}: FieldProps<PointsField> & { locked: boolean }) {
  const { idOf, describedBy } = useIds();
  const id = idOf(path);
  const value = valueAt(context.value, path);
  const saved: Point[] = Array.isArray(value) ? (value as Point[]) : [];
  // A stroke's points stay here until the pointer is up, then go to the form as one change (a
  // change per point re-renders the whole page, and a drag would lag behind the pointer).
  const [drawing, setDrawing] = useState<Point[] | null>(null);
  const points = drawing ?? saved;
  const canvas = useRef<HTMLCanvasElement>(null);
  // The points as the last pointer event left them: a drag adds many before the next render.
  const current = useRef(points);
  current.current = points;
  const drag = useRef<{ last: [number, number]; added: number } | null>(null);
  const [strokes, setStrokes] = useState<number[]>([]); // points each stroke added, for Undo
  const [full, setFull] = useState(false);
  const [draft, setDraft] = useState(formatPoints(points));
  const parsed = parsePoints(draft, field.range, field.maxItems);
  const textError = describeLineErrors(parsed.errors) ?? parsed.tooMany;

  // The text follows the points drawn or loaded, unless it already says them (mid-typing).
  useEffect(() => {
    if (!samePoints(parsePoints(draft, field.range, Infinity).points, points)) setDraft(formatPoints(points));
    if (points.length < field.maxItems) setFull(false);
  }, [value, drawing]);

  useEffect(() => draw(canvas.current, points, field.range), [value, drawing, field.range]);

  const send = (next: Point[]) => {
    current.current = next;
    context.onChange(path, next);
  };

  const add = (point: Point) => {
    const next = withPoints(current.current, [point], field.maxItems);
    setFull(next.full);
    if (next.full) return false;
    current.current = next.points;
    setDrawing(next.points);
    return true;
  };

  const pixelOf = (event: PointerEvent): [number, number] => {
    const target = event.currentTarget as HTMLCanvasElement;
    const box = target.getBoundingClientRect();
    // inside its border; the canvas may be drawn smaller than SIZE on a narrow screen
    const left = event.clientX - box.left - target.clientLeft;
    const top = event.clientY - box.top - target.clientTop;
    return [(left / target.clientWidth) * SIZE, (top / target.clientHeight) * SIZE];
  };

  const onPointerDown = (event: PointerEvent) => {
    if (locked || event.button !== 0) return;
    event.preventDefault();
    (event.currentTarget as HTMLCanvasElement).setPointerCapture?.(event.pointerId);
    const pixel = pixelOf(event);
    const added = add(toPlane(pixel[0], pixel[1], SIZE, field.range)) ? 1 : 0;
    drag.current = { last: pixel, added };
  };

  const onPointerMove = (event: PointerEvent) => {
    const stroke = drag.current;
    if (!stroke || locked) return;
    const pixel = pixelOf(event);
    if (!farEnough(stroke.last, pixel)) return; // one point every few pixels along the path
    stroke.last = pixel;
    if (add(toPlane(pixel[0], pixel[1], SIZE, field.range))) stroke.added += 1;
  };

  const endStroke = () => {
    const stroke = drag.current;
    drag.current = null;
    if (stroke && stroke.added > 0) {
      setStrokes((done) => [...done, stroke.added]);
      send(current.current);
    }
    setDrawing(null);
  };

  const undo = () => {
    const last = strokes.at(-1);
    if (last === undefined) return;
    setStrokes(strokes.slice(0, -1));
    send(current.current.slice(0, Math.max(0, current.current.length - last)));
  };

  const clear = () => {
    setStrokes([]);
    send([]);
  };

  const onText = (text: string) => {
    setDraft(text);
    const typed = parsePoints(text, field.range, field.maxItems);
    // Only a text whose every line is a point becomes the value: a bad line is shown, not dropped.
    if (typed.errors.length === 0 && !typed.tooMany && !samePoints(typed.points, current.current)) {
      setStrokes([]); // typed points are no stroke to undo
      send(typed.points);
    }
  };

  const serverError = context.errors.get(pathKey(path)) ?? null;
  const notes = [describedBy(path, field.help, serverError), textError ? `${id}-text-error` : ""];
  return (
    <fieldset class="field points-editor" data-path={pathKey(path)}>
      <legend id={`${id}-label`}>{field.label}</legend>
      <div class="points-row">
        <div class="points-canvas-box">
          <canvas
            ref={canvas}
            width={SIZE}
            height={SIZE}
            class={locked ? "points-canvas locked" : "points-canvas"}
            role="img"
            aria-label={`Drawing area: the plane from −${field.range} to ${field.range} in x and y, with ${countLabel(points.length, field.maxItems)}. Click to add a point, drag to spray points; or type them in the text box.`}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={endStroke}
            onPointerCancel={endStroke}
          />
          {points.length === 0 && (
            <p class="points-empty">Draw points here (pick data = drawn to train on them)</p>
          )}
        </div>
        <div class="points-text">
          <label for={`${id}-text`}>Points as “x, y” lines</label>
          <textarea
            id={`${id}-text`}
            rows={8}
            spellcheck={false}
            value={draft}
            disabled={locked}
            placeholder={"0.5, -1.2\n1, 2"}
            aria-invalid={textError ? true : undefined}
            aria-describedby={notes.filter(Boolean).join(" ") || undefined}
            onInput={(event) => onText(event.currentTarget.value)}
          />
        </div>
      </div>
      <div class="points-actions">
        <span class="points-count" role="status">
          {countLabel(points.length, field.maxItems)}
          {full && ": the canvas is full, no more points are added"}
        </span>
        <button type="button" disabled={locked || strokes.length === 0} onClick={undo}>
          Undo
        </button>
        <button type="button" disabled={locked || points.length === 0} onClick={clear}>
          Clear
        </button>
      </div>
      {textError && (
        <p class="field-error" id={`${id}-text-error`} role="alert">
          {textError} The points drawn stay as they were until the text is fixed.
        </p>
      )}
      <Notes path={path} help={field.help} error={serverError} />
    </fieldset>
  );
}

/** The plane with light axes and a grid at whole units, and the points as dots. */
function draw(canvas: HTMLCanvasElement | null, points: readonly Point[], range: number) {
  const g = canvas?.getContext("2d");
  if (!canvas || !g) return;
  const scale = window.devicePixelRatio || 1;
  if (canvas.width !== SIZE * scale) {
    canvas.width = SIZE * scale;
    canvas.height = SIZE * scale;
  }
  g.setTransform(scale, 0, 0, scale, 0, 0);
  g.clearRect(0, 0, SIZE, SIZE);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, SIZE, SIZE);
  g.lineWidth = 1;
  g.strokeStyle = "#eef0f3";
  for (let unit = Math.ceil(-range); unit <= range; unit++) {
    if (unit === 0) continue;
    const [px, py] = toPixel(unit, unit, SIZE, range);
    line(g, px, 0, px, SIZE);
    line(g, 0, py, SIZE, py);
  }
  g.strokeStyle = "#c4c9d0";
  const [ox, oy] = toPixel(0, 0, SIZE, range);
  line(g, ox, 0, ox, SIZE);
  line(g, 0, oy, SIZE, oy);
  g.fillStyle = "#8a929c";
  g.font = "11px sans-serif";
  g.fillText(`${range}`, SIZE - 14, oy - 4);
  g.fillText(`−${range}`, 3, oy - 4);
  g.fillText(`${range}`, ox + 4, 12);
  g.fillText(`−${range}`, ox + 4, SIZE - 4);
  g.fillStyle = "#1f6feb";
  for (const [x, y] of points) {
    const [px, py] = toPixel(x, y, SIZE, range);
    g.beginPath();
    g.arc(px, py, 2.5, 0, 2 * Math.PI);
    g.fill();
  }
}

function line(g: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number) {
  g.beginPath();
  g.moveTo(Math.round(x0) + 0.5, Math.round(y0) + 0.5);
  g.lineTo(Math.round(x1) + 0.5, Math.round(y1) + 0.5);
  g.stroke();
}
