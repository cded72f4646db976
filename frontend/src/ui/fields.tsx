/** A labelled text field with its help and its error, tied together for screen readers. */

import type { ComponentChildren } from "preact";

/** The few attributes of the input these forms set. */
interface InputProps {
  type?: "text" | "password";
  class?: string;
  autocomplete?: string;
  autocapitalize?: "characters" | "off";
  spellcheck?: boolean;
  maxLength?: number;
  inputMode?: "text" | "numeric";
  autoFocus?: boolean;
}

export function TextField({
  id,
  label,
  value,
  onValue,
  error,
  help,
  type = "text",
  ...input
}: InputProps & {
  id: string;
  label: ComponentChildren;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  help?: ComponentChildren;
}) {
  const described = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        // preact types an input by its type; both kinds here take the same attributes
        type={type as "text"}
        {...input}
        id={id}
        value={value}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described || undefined}
        onInput={(event) => onValue(event.currentTarget.value)}
      />
      {help && (
        <p id={`${id}-help`} class="help">
          {help}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Focus the first field of `order` that has an error (after a refused submit). */
export function focusFirstError(ids: Record<string, string>, errors: Record<string, unknown>): void {
  const first = Object.keys(ids).find((field) => errors[field]);
  if (first) document.getElementById(ids[first])?.focus();
}
