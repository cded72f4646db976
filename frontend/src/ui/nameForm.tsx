/** A panel with one form: a name, and a button that creates something by it (a class, a token). */

import { useState } from "preact/hooks";
import { TextField } from "./fields";
import { messageOf } from "./states";

interface Props {
  /** The id of the field; the heading's is `new-<what>`. */
  fieldId: string;
  what: string;
  /** Said when the name is left empty, with an example. */
  needsName: string;
  /** Creates it; a rejection's message is shown at the field. */
  create: (name: string) => Promise<void>;
}

export function NameForm({ fieldId, what, needsName, create }: Props) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const trimmed = name.trim();
    if (!trimmed) {
      setError(needsName);
      document.getElementById(fieldId)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await create(trimmed);
      setName("");
    } catch (problem) {
      setError(messageOf(problem));
    } finally {
      setBusy(false);
    }
  };
  const heading = `new-${what}`;
  return (
    <section class="panel" aria-labelledby={heading}>
      <h2 id={heading}>New {what}</h2>
      <form class="inline-form" onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          id={fieldId}
          label={`${what[0].toUpperCase()}${what.slice(1)} name`}
          value={name}
          onValue={(value) => {
            setName(value);
            setError(null);
          }}
          error={error ?? undefined}
          maxLength={100}
          autocomplete="off"
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : `Create ${what}`}
        </button>
      </form>
    </section>
  );
}
