/**
 * The settings a learner's instructor pushed (`me.preset`, refreshed every few seconds). A push
 * is new to a learner until they have taken it (it filled their form) or dismissed it; this
 * browser remembers which push each learner last handled, so it is offered once, even to a
 * learner who joins after it was sent, and never again after a reload.
 */

import { useEffect, useState } from "preact/hooks";
import type { ClassPreset, Me, Params } from "../api/types";
import { useSession } from "../auth/session";
import { paramsWithDefaults, queryWithParams } from "../form/values";
import type { FieldSpec } from "../form/schema";

const STORAGE_KEY = "divelab.presetsHandled";

type Store = Pick<Storage, "getItem" | "setItem">;

export class PresetInbox {
  private readonly listeners = new Set<() => void>();
  /** Learner id → `pushed_at` of the newest push they handled. */
  private handled: Record<string, string>;

  constructor(private readonly storage: Store | null) {
    this.handled = readHandled(storage);
  }

  /** The push this learner has not handled yet; null for anyone else, or when there is none. */
  pending(me: Me): ClassPreset | null {
    if (me.role !== "learner" || !me.preset) return null;
    const handledAt = this.handled[me.id];
    const pushedAt = Date.parse(me.preset.pushed_at);
    return handledAt !== undefined && pushedAt <= Date.parse(handledAt) ? null : me.preset;
  }

  /** The learner took the push, or dismissed it: do not offer it again. */
  handle(learnerId: string, preset: ClassPreset): void {
    this.handled = { ...this.handled, [learnerId]: preset.pushed_at };
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.handled));
    } catch {
      // storage full or blocked: remembered until the page reloads
    }
    for (const listener of [...this.listeners]) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function readHandled(storage: Store | null): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "{}");
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, string>)
      : {};
  } catch {
    return {}; // unreadable (blocked storage, a hand edit): every push is new
  }
}

function browserStorage(): Store | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage blocked (private mode, sandboxed iframe)
  }
}

export const presetInbox = new PresetInbox(browserStorage());

/**
 * The form's values for a pushed preset: its params, the ones it leaves out at their defaults
 * (as the API starts runs with it, and as its link `/demos/ID?params=...` opens the demo).
 */
export function presetValues(fields: readonly FieldSpec[], preset: Pick<ClassPreset, "params">): Params {
  return paramsWithDefaults(fields, preset.params);
}

/** The demo page with the preset in its form. */
export function presetLink(preset: Pick<ClassPreset, "demo" | "params">): string {
  return `/demos/${encodeURIComponent(preset.demo)}${queryWithParams(preset.params)}`;
}

export interface PendingPreset {
  preset: ClassPreset;
  /** Taken or dismissed: not offered again. */
  handle: () => void;
}

/** The push the signed-in learner has not handled yet, or null. */
export function usePendingPreset(): PendingPreset | null {
  const current = useSession();
  const [, setVersion] = useState(0);
  useEffect(() => presetInbox.subscribe(() => setVersion((n) => n + 1)), []);
  if (current.state !== "signed-in") return null;
  const me = current.me;
  const preset = presetInbox.pending(me);
  return preset && { preset, handle: () => presetInbox.handle(me.id, preset) };
}
