import { describe, expect, it } from "vitest";
import type { ClassPreset, JsonSchema, Me } from "../api/types";
import schemaJson from "../form/fixtures/gradient-descent.schema.json";
import { formFields } from "../form/schema";
import { defaultsOf, paramsFromQuery } from "../form/values";
import { PresetInbox, presetLink, presetValues } from "./pushedPreset";

const pushed = (at: string, params: ClassPreset["params"] = { steps: 50 }): ClassPreset => ({
  demo: "gradient-descent",
  params,
  pushed_at: at,
});

const learner = (preset: ClassPreset | null, id = "a1"): Me => ({
  id,
  name: "Alice",
  role: "learner",
  class_id: "c1",
  auth: "classroom",
  limits: null,
  usage: null,
  preset,
});

/** A localStorage stand-in: what one browser remembers across reloads. */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

describe("PresetInbox", () => {
  it("offers a push until the learner handles it, then only a newer one", () => {
    const inbox = new PresetInbox(memoryStorage());
    const first = pushed("2025-05-12T10:00:00Z");
    expect(inbox.pending(learner(first))).toEqual(first);
    inbox.handle("a1", first);
    expect(inbox.pending(learner(first))).toBeNull();
    const second = pushed("2025-05-12T10:05:00+00:00");
    expect(inbox.pending(learner(second))).toEqual(second);
  });

  it("remembers, across a reload, what each learner of this browser handled", () => {
    const storage = memoryStorage();
    const first = pushed("2025-05-12T10:00:00Z");
    new PresetInbox(storage).handle("a1", first);
    const reloaded = new PresetInbox(storage);
    expect(reloaded.pending(learner(first))).toBeNull();
    expect(reloaded.pending(learner(first, "b2"))).toEqual(first); // another learner, same computer
  });

  it("offers nothing to an instructor, nor when the push was withdrawn", () => {
    const inbox = new PresetInbox(null);
    expect(inbox.pending(learner(null))).toBeNull();
    expect(inbox.pending({ ...learner(pushed("2025-05-12T10:00:00Z")), role: "instructor" })).toBeNull();
  });

  it("tells its listeners when a push is handled (the banner goes away)", () => {
    const inbox = new PresetInbox(null);
    let heard = 0;
    inbox.subscribe(() => (heard += 1));
    inbox.handle("a1", pushed("2025-05-12T10:00:00Z"));
    expect(heard).toBe(1);
  });

  it("takes unreadable storage for none", () => {
    const storage = memoryStorage();
    storage.setItem("divelab.presetsHandled", "{not json");
    expect(new PresetInbox(storage).pending(learner(pushed("2025-05-12T10:00:00Z")))).not.toBeNull();
  });
});

describe("applying a pushed preset", () => {
  const fields = formFields(schemaJson as JsonSchema);

  it("fills the form with its params, and the defaults for the rest (as its runs start)", () => {
    const values = presetValues(fields, pushed("2025-05-12T10:00:00Z", { steps: 50, speed: 0 }));
    expect(values).toEqual({ ...defaultsOf(fields), steps: 50, speed: 0 });
  });

  it("links to the demo page with the same values in its form", () => {
    const preset = pushed("2025-05-12T10:00:00Z", { optimizers: [{ name: "momentum", momentum: 0.9 }] });
    const link = new URL(presetLink(preset), "http://lab");
    expect(link.pathname).toBe("/demos/gradient-descent");
    expect(presetValues(fields, { params: paramsFromQuery(link.search)! })).toEqual(
      presetValues(fields, preset),
    );
  });
});
