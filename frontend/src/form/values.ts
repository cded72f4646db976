/** Form values: defaults from the schema, immutable updates, and the params carried in a URL. */

import type { Params } from "../api/types";
import type { Path } from "../run/paramDiff";
import type { FieldSpec, UnionListField, Variant } from "./schema";

export function defaultsOf(fields: readonly FieldSpec[]): Params {
  return Object.fromEntries(fields.map((field) => [field.name, defaultOf(field)]));
}

export function defaultOf(field: FieldSpec): unknown {
  if (field.default !== undefined) return structuredClone(field.default);
  switch (field.kind) {
    case "number":
      return field.min?.value ?? 0;
    case "enum":
      return field.options[0];
    case "boolean":
      return false;
    case "text":
      return field.nullable ? null : "";
    case "image":
      return "";
    case "points":
      return [];
    case "tuple":
      return field.items.map(defaultOf);
    case "union-list":
      // A list with a computed default (pydantic's default_factory) has none in the schema:
      // start with the fewest items allowed, of the first kind.
      return Array.from({ length: Math.max(1, field.minItems) }, () =>
        variantDefault(field, field.variants[0]),
      );
    case "object":
      return defaultsOf(field.fields);
    case "json":
      return null;
  }
}

export function variantDefault(field: UnionListField, variant: Variant): Params {
  return { [field.discriminator]: variant.tag, ...defaultsOf(variant.fields) };
}

/** The variant an item of a union list is, by its discriminator value. */
export function variantOf(field: UnionListField, item: unknown): Variant {
  const tag = (item as Params | null)?.[field.discriminator];
  return field.variants.find((variant) => variant.tag === tag) ?? field.variants[0];
}

/** Switch a list item to another kind: the new kind's defaults, keeping the fields both share. */
export function switchVariant(field: UnionListField, item: Params, tag: string): Params {
  const variant = field.variants.find((v) => v.tag === tag) ?? field.variants[0];
  const fresh = variantDefault(field, variant);
  for (const spec of variant.fields) {
    if (item[spec.name] !== undefined) fresh[spec.name] = item[spec.name];
  }
  return fresh;
}

export function setAt<T>(value: T, path: Path, newValue: unknown): T {
  if (path.length === 0) return newValue as T;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head as number] = setAt(copy[head as number], rest, newValue);
    return copy as T;
  }
  const object = (value ?? {}) as Record<string, unknown>;
  return { ...object, [head]: setAt(object[head as string], rest, newValue) } as T;
}

/**
 * Params from a URL or a job, completed with defaults at every level (a link may name only
 * `{"name": "adam", "lr": 0.3}` of an optimizer); unknown keys (an old link) are dropped.
 */
export function paramsWithDefaults(fields: readonly FieldSpec[], given: Params | null): Params {
  return Object.fromEntries(fields.map((field) => [field.name, completed(field, given?.[field.name])]));
}

function completed(field: FieldSpec, given: unknown): unknown {
  if (given === undefined) return defaultOf(field);
  if (field.kind === "union-list" && Array.isArray(given)) {
    return given.map((item: Params) => {
      const variant = variantOf(field, item);
      return { [field.discriminator]: variant.tag, ...paramsWithDefaults(variant.fields, item) };
    });
  }
  if (field.kind === "object" && isObject(given)) return paramsWithDefaults(field.fields, given);
  return given;
}

function isObject(value: unknown): value is Params {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const URL_KEY = "params";

/** A page URL's query with the params in it (compact JSON: readable, and any shape fits). */
export function queryWithParams(params: Params): string {
  return `?${new URLSearchParams({ [URL_KEY]: JSON.stringify(params) })}`;
}

/** The params in a URL's query; null when there are none or they are not valid JSON. */
export function paramsFromQuery(search: string): Params | null {
  const raw = new URLSearchParams(search).get(URL_KEY);
  if (!raw) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
