/** The help text and error message under a form field, and the ids that tie them to its input. */

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Path } from "../run/paramDiff";
import { InlineCode } from "../ui/inlineCode";

/** What a form's ids start with: two params forms on one page (the settings and a fork's) need
 * ids of their own ("param-lr", "fork-lr"). */
export const FormIdPrefix = createContext("param");

export const idOf = (path: Path, prefix = "param") => `${prefix}-${path.join("-")}`;

export function describedBy(
  path: Path,
  help: string,
  error: string | null,
  prefix = "param",
): string | undefined {
  const id = idOf(path, prefix);
  const ids = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

/** `idOf` and `describedBy` for the form this component is in. */
export function useIds() {
  const prefix = useContext(FormIdPrefix);
  return {
    idOf: (path: Path) => idOf(path, prefix),
    describedBy: (path: Path, help: string, error: string | null) => describedBy(path, help, error, prefix),
  };
}

/** Help text, the server's or the form's own error, and the ids that tie them to the input. */
export function Notes({ path, help, error }: { path: Path; help: string; error: string | null }) {
  const id = useIds().idOf(path);
  return (
    <>
      {help && (
        <p class="help" id={`${id}-help`}>
          <InlineCode text={help} />
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </>
  );
}
