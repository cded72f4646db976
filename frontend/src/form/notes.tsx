/** The help text and error message under a form field, and the ids that tie them to its input. */

import type { Path } from "../run/paramDiff";
import { InlineCode } from "../ui/inlineCode";

export const idOf = (path: Path) => `param-${path.join("-")}`;

/** Help text, the server's or the form's own error, and the ids that tie them to the input. */
export function Notes({ path, help, error }: { path: Path; help: string; error: string | null }) {
  const id = idOf(path);
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

export function describedBy(path: Path, help: string, error: string | null): string | undefined {
  const id = idOf(path);
  const ids = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}
