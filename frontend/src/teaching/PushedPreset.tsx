/**
 * A learner's side of the settings their instructor pushes: on that demo's page they fill the
 * form (the learner then presses Train) with a notice saying who set them; on any other page
 * a banner links to the demo with them.
 */

import { useEffect, useState } from "preact/hooks";
import type { ClassPreset, Demo, Params } from "../api/types";
import type { FieldSpec } from "../form/schema";
import { presetLink, presetValues, usePendingPreset } from "./pushedPreset";

export type PresetNotice =
  /** the form holds the settings the instructor set */
  | { kind: "filled"; preset: ClassPreset }
  /** they came while a run is on: they fill the form once it ends */
  | { kind: "waiting" }
  | null;

/**
 * On a demo's page: a new push for this demo fills the form with `fill` as soon as it may
 * (`canFill`: no run going on, and the run on show loaded, so its params do not overwrite
 * them). Returns the notice to show and its dismissal.
 */
export function usePushedPreset(
  demoId: string,
  fields: readonly FieldSpec[],
  canFill: boolean,
  fill: (values: Params) => void,
): [PresetNotice, () => void] {
  const pending = usePendingPreset();
  const [filled, setFilled] = useState<ClassPreset | null>(null);
  const forThisDemo = pending?.preset.demo === demoId ? pending : null;
  useEffect(() => {
    if (!forThisDemo || !canFill) return;
    fill(presetValues(fields, forThisDemo.preset));
    setFilled(forThisDemo.preset);
    forThisDemo.handle();
  }, [forThisDemo?.preset.pushed_at, canFill]);
  const notice: PresetNotice = filled
    ? { kind: "filled", preset: filled }
    : forThisDemo
      ? { kind: "waiting" }
      : null;
  return [notice, () => setFilled(null)];
}

export function PushedPresetNotice({ notice, onDismiss }: { notice: PresetNotice; onDismiss: () => void }) {
  if (!notice) return null;
  return (
    <div class="banner banner-info preset-notice" role="status" data-testid="preset-notice">
      {notice.kind === "filled" ? (
        <>
          <p>
            <strong>Your instructor set these settings.</strong> Press <strong>Train</strong> to run them.
          </p>
          <button type="button" class="link-button" onClick={onDismiss}>
            Dismiss
          </button>
        </>
      ) : (
        <p>
          <strong>Your instructor sent new settings.</strong> They fill the form when this run ends.
        </p>
      )}
    </div>
  );
}

/**
 * On every page but the demo's own: the instructor's new settings, a link to the demo with
 * them, and Dismiss. `demoOnShow`: the demo of the page (null: none; undefined: not known yet).
 */
export function PushedPresetBanner({
  demos,
  demoOnShow,
}: {
  demos: Demo[];
  demoOnShow: string | null | undefined;
}) {
  const pending = usePendingPreset();
  if (!pending || demoOnShow === undefined || pending.preset.demo === demoOnShow) return null;
  const demo = demos.find((d) => d.id === pending.preset.demo);
  if (!demo) return null;
  return (
    <div class="banner banner-info preset-banner" role="status" data-testid="preset-banner">
      <p>
        <strong>Your instructor set settings for {demo.title}.</strong>{" "}
        <a href={presetLink(pending.preset)}>Open {demo.title} with them</a>
      </p>
      <button type="button" class="link-button" onClick={pending.handle}>
        Dismiss
      </button>
    </div>
  );
}
