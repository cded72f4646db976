/**
 * Sliders for numeric params. A slider moves over positions 0..SLIDER_STEPS, mapped linearly or
 * logarithmically onto the param's range; values are rounded to 3 significant digits so a
 * learner reads 0.457, not 0.4570881896148751.
 */

import type { NumberField } from "./schema";

export const SLIDER_STEPS = 1000;

export interface SliderScale {
  low: number;
  high: number;
  log: boolean;
  integer: boolean;
}

/**
 * The slider's scale, or null when the param has no upper or lower bound, or its range is a
 * bound rather than a scale (`widget: "number"`): a number box alone.
 * Integer ranges of three or more decades (steps: 1..100,000) get a log slider too, so small
 * values can be picked by hand.
 */
export function sliderScale(field: NumberField): SliderScale | null {
  if (!field.min || !field.max || !field.slider) return null;
  let low = field.min.value;
  let high = field.max.value;
  const log = field.log || (field.integer && low >= 1 && high / low >= 1000);
  if (log && low <= 0) {
    // A log scale cannot reach 0: start four decades below the top, or below the default.
    const preferred = typeof field.default === "number" && field.default > 0 ? field.default / 10 : high;
    low = Math.min(high / 1e4, preferred);
  } else if (field.min.exclusive) {
    low += (high - low) / SLIDER_STEPS;
  }
  if (field.max.exclusive) high -= (high - low) / SLIDER_STEPS;
  return { low, high, log, integer: field.integer };
}

export function toSliderPosition(scale: SliderScale, value: number): number {
  const clamped = Math.min(scale.high, Math.max(scale.low, value));
  const fraction = scale.log
    ? Math.log(clamped / scale.low) / Math.log(scale.high / scale.low)
    : (clamped - scale.low) / (scale.high - scale.low);
  return Math.round(fraction * SLIDER_STEPS);
}

export function fromSliderPosition(scale: SliderScale, position: number): number {
  const fraction = Math.min(SLIDER_STEPS, Math.max(0, position)) / SLIDER_STEPS;
  const raw = scale.log
    ? scale.low * (scale.high / scale.low) ** fraction
    : scale.low + fraction * (scale.high - scale.low);
  if (scale.integer) return Math.round(raw);
  const rounded = Number(raw.toPrecision(3));
  return Math.min(scale.high, Math.max(scale.low, rounded));
}

/** A problem with a typed value, or null; the server's 422 has the last word. */
export function checkNumber(field: NumberField, value: number): string | null {
  if (!Number.isFinite(value)) return "Enter a number.";
  if (field.integer && !Number.isInteger(value)) return "Enter a whole number.";
  if (field.min && (field.min.exclusive ? value <= field.min.value : value < field.min.value)) {
    return `Must be ${field.min.exclusive ? "greater than" : "at least"} ${field.min.value}.`;
  }
  if (field.max && (field.max.exclusive ? value >= field.max.value : value > field.max.value)) {
    return `Must be ${field.max.exclusive ? "less than" : "at most"} ${field.max.value}.`;
  }
  return null;
}
