/**
 * A demo's `params_schema` (pydantic's JSON Schema plus DiveLab's `live`, `unit`, `scale`, `widget`)
 * turned into a tree of form fields. Pure: the form component only renders this tree.
 */

import type { JsonSchema } from "../api/types";

interface FieldBase {
  name: string;
  label: string;
  help: string;
  /** May change while a job runs (for a list: some fields of its items may). */
  live: boolean;
  default: unknown;
}

export interface Bound {
  value: number;
  exclusive: boolean;
}

export interface NumberField extends FieldBase {
  kind: "number";
  integer: boolean;
  min: Bound | null;
  max: Bound | null;
  unit: string | null;
  log: boolean;
  /** False when the range is only a bound, not a scale to slide along (a seed): a number box. */
  slider: boolean;
}

export interface EnumField extends FieldBase {
  kind: "enum";
  /** The values as the API takes them (strings or numbers: `kernel_size` is 3, 5 or 7). */
  options: (string | number)[];
}

export interface BooleanField extends FieldBase {
  kind: "boolean";
}

export interface TextField extends FieldBase {
  kind: "text";
  nullable: boolean;
  maxLength: number | null;
  /** Suggested values (the schema's `examples`). */
  examples: string[];
}

/** An image's id (`widget: "image"`), picked from `GET /api/images` or uploaded. */
export interface ImageField extends FieldBase {
  kind: "image";
}

/** Points of the plane [−range, range]² (`widget: "points"`): drawn on a canvas or typed. */
export interface PointsField extends FieldBase {
  kind: "points";
  /** R: each coordinate lies within ±R (the bounds of the items' numbers). */
  range: number;
  maxItems: number;
}

export interface TupleField extends FieldBase {
  kind: "tuple";
  items: NumberField[];
}

export interface Variant {
  tag: string;
  title: string;
  help: string;
  fields: FieldSpec[];
}

/** A list whose items are objects of several kinds told apart by `discriminator` (optimizers). */
export interface UnionListField extends FieldBase {
  kind: "union-list";
  discriminator: string;
  variants: Variant[];
  minItems: number;
  maxItems: number;
  itemNoun: string;
}

export interface ObjectField extends FieldBase {
  kind: "object";
  fields: FieldSpec[];
}

/** Anything the form has no widget for: edited as JSON, validated by the server. */
export interface JsonField extends FieldBase {
  kind: "json";
}

export type FieldSpec =
  | NumberField
  | EnumField
  | BooleanField
  | TextField
  | ImageField
  | PointsField
  | TupleField
  | UnionListField
  | ObjectField
  | JsonField;

/** The fields of a demo's params, in declaration order. */
export function formFields(schema: JsonSchema): FieldSpec[] {
  return objectFields(schema, schema.$defs ?? {});
}

function objectFields(schema: JsonSchema, defs: Record<string, JsonSchema>): FieldSpec[] {
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => fieldOf(name, prop, defs));
}

function fieldOf(name: string, raw: JsonSchema, defs: Record<string, JsonSchema>): FieldSpec {
  const prop = resolve(raw, defs);
  const base: FieldBase = {
    name,
    ...labelAndHelp(name, prop, isNumeric(prop)),
    live: hasLive(prop, defs, new Set()),
    default: prop.default,
  };
  const nullableString = nullableStringOf(prop);
  if (nullableString) return textField(base, nullableString, true);
  if (prop.enum) return { ...base, kind: "enum", options: prop.enum.filter(isOption) };
  if (prop.type === "number" || prop.type === "integer") return numberField(base, prop);
  if (prop.type === "boolean") return { ...base, kind: "boolean" };
  if (prop.type === "string" && prop.widget === "image") return { ...base, kind: "image" };
  if (prop.type === "string") return textField(base, prop, false);
  if (prop.type === "array" && prop.widget === "points") return pointsField(base, prop);
  if (prop.type === "array" && prop.prefixItems?.every((item) => isNumeric(item))) {
    return tupleField(base, prop);
  }
  if (prop.type === "array" && prop.items?.discriminator) return unionListField(base, prop, defs);
  if (prop.type === "object" && prop.properties) {
    return { ...base, kind: "object", fields: objectFields(prop, defs) };
  }
  return { ...base, kind: "json" };
}

function textField(base: FieldBase, prop: JsonSchema, nullable: boolean): TextField {
  const examples = (prop.examples ?? []).filter((example): example is string => typeof example === "string");
  return { ...base, kind: "text", nullable, maxLength: prop.maxLength ?? null, examples };
}

function isOption(value: unknown): value is string | number {
  return typeof value === "string" || typeof value === "number";
}

function numberField(base: FieldBase, prop: JsonSchema): NumberField {
  return {
    ...base,
    kind: "number",
    integer: prop.type === "integer",
    min: boundOf(prop.minimum, prop.exclusiveMinimum),
    max: boundOf(prop.maximum, prop.exclusiveMaximum),
    unit: prop.unit ?? null,
    log: prop.scale === "log",
    slider: prop.widget !== "number",
  };
}

/** R from the bounds of the points' coordinates (pydantic emits each point as a tuple of two
 * bounded numbers); 1 when the schema bounds none. */
function pointsField(base: FieldBase, prop: JsonSchema): PointsField {
  const coordinates = prop.items?.prefixItems ?? (prop.items?.items ? [prop.items.items] : []);
  const bounds = coordinates.flatMap((item) => [
    item.minimum,
    item.maximum,
    item.exclusiveMinimum,
    item.exclusiveMaximum,
  ]);
  const finite = bounds.filter(
    (bound): bound is number => typeof bound === "number" && Number.isFinite(bound),
  );
  const range = finite.length ? Math.max(...finite.map(Math.abs)) : 1;
  return { ...base, kind: "points", range, maxItems: prop.maxItems ?? Infinity };
}

function tupleField(base: FieldBase, prop: JsonSchema): TupleField {
  const prefixItems = prop.prefixItems ?? [];
  const names = itemNames(base.help, prefixItems.length);
  const items = prefixItems.map((item, i) =>
    numberField(
      {
        name: String(i),
        label: names?.[i] ?? `${base.label} ${i + 1}`,
        help: "",
        live: base.live,
        default: undefined,
      },
      item,
    ),
  );
  return { ...base, kind: "tuple", items };
}

/** Names of a tuple's items when its description lists them: "Starting point [x1, x2]". */
function itemNames(description: string, count: number): string[] | null {
  const listed = /\[([\w\s,]+)\]/
    .exec(description)?.[1]
    .split(",")
    .map((name) => name.trim());
  return listed?.length === count && listed.every(Boolean) ? listed : null;
}

function unionListField(base: FieldBase, prop: JsonSchema, defs: Record<string, JsonSchema>): UnionListField {
  const items = prop.items!;
  const discriminator = items.discriminator!.propertyName;
  const variants = (items.oneOf ?? items.anyOf ?? []).map((ref): Variant => {
    const variant = resolve(ref, defs);
    const tagSchema = variant.properties?.[discriminator];
    const tag = String(tagSchema?.const ?? tagSchema?.default ?? variant.title);
    const [title, help] = variantTitle(variant);
    const fields = Object.entries(variant.properties ?? {})
      .filter(([name]) => name !== discriminator)
      .map(([name, field]) => fieldOf(name, field, defs));
    return { tag, title, help, fields };
  });
  return {
    ...base,
    kind: "union-list",
    discriminator,
    variants,
    minItems: prop.minItems ?? 0,
    maxItems: prop.maxItems ?? Infinity,
    itemNoun: singular(base.label),
  };
}

/**
 * Label and help text. The demos follow the book's notation and describe hyperparameters as
 * "symbol or short name: meaning" ("β: how much of the previous velocity is kept."); for a
 * number that short name is the best label. Otherwise the schema's title is.
 */
export function labelAndHelp(
  name: string,
  prop: JsonSchema,
  isNumber: boolean,
): { label: string; help: string } {
  const description = prop.description ?? "";
  const match = isNumber ? /^([^:;.]{1,20}):\s+(.+)$/s.exec(description) : null;
  if (match) return { label: match[1], help: capitalize(match[2]) };
  return { label: prop.title ?? humanize(name), help: description };
}

/** "Gradient descent (11.3): x ← x − η ∇f(x)." → ["Gradient descent", the whole text]. */
function variantTitle(variant: JsonSchema): [string, string] {
  const description = variant.description ?? "";
  const short = /^([^(:.]+)/.exec(description)?.[1]?.trim();
  return [short || variant.title || "", description];
}

function resolve(schema: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema {
  if (!schema.$ref) return schema;
  const target = defs[schema.$ref.split("/").pop() ?? ""] ?? {};
  // Keys next to a $ref (description, default...) override the referenced definition's.
  const { $ref: _ref, ...rest } = schema;
  return { ...target, ...rest };
}

function hasLive(node: unknown, defs: Record<string, JsonSchema>, seen: Set<string>): boolean {
  if (Array.isArray(node)) return node.some((item) => hasLive(item, defs, seen));
  if (node === null || typeof node !== "object") return false;
  const schema = node as JsonSchema;
  if (schema.live === true) return true;
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? "";
    if (seen.has(name)) return false;
    return hasLive(defs[name], defs, new Set([...seen, name]));
  }
  return Object.values(schema).some((value) => hasLive(value, defs, seen));
}

function nullableStringOf(prop: JsonSchema): JsonSchema | null {
  const options = prop.anyOf ?? [];
  const string = options.find((option) => option.type === "string");
  const isNullable = options.some((option) => option.type === "null");
  return options.length === 2 && string && isNullable ? string : null;
}

function boundOf(inclusive: number | undefined, exclusive: number | undefined): Bound | null {
  if (exclusive !== undefined) return { value: exclusive, exclusive: true };
  if (inclusive !== undefined) return { value: inclusive, exclusive: false };
  return null;
}

function isNumeric(schema: JsonSchema): boolean {
  return schema.type === "number" || schema.type === "integer";
}

function humanize(name: string): string {
  return capitalize(name.replace(/_/g, " "));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function singular(label: string): string {
  return label.endsWith("s") ? label.slice(0, -1).toLowerCase() : label.toLowerCase();
}
