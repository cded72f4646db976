/** A demo's presets as a row of buttons above its params; the one in force is pressed. */

import type { Preset } from "../api/types";

interface Props {
  presets: readonly Preset[];
  inForce: Preset | null;
  /** A job is running: its params are fixed but for the live ones, which a preset may not be. */
  disabled: boolean;
  onApply: (preset: Preset) => void;
}

export function PresetButtons({ presets, inForce, disabled, onApply }: Props) {
  if (presets.length === 0) return null;
  return (
    <div class="demo-presets" role="group" aria-labelledby="demo-presets-label">
      <span id="demo-presets-label" class="demo-presets-label">
        Presets:
      </span>
      {presets.map((preset) => {
        const applied = preset.name === inForce?.name;
        return (
          <button
            key={preset.name}
            type="button"
            class="preset"
            title={preset.description}
            aria-pressed={applied}
            disabled={disabled}
            data-preset={preset.name}
            onClick={() => onApply(preset)}
          >
            {applied && <span aria-hidden="true">✓ </span>}
            {preset.title}
          </button>
        );
      })}
    </div>
  );
}
