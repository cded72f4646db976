/** A second step before what cannot be undone, inline where the first step was. */

import { useEffect, useRef } from "preact/hooks";

/** Focus an element once the render that brings it back is done (a confirm that was cancelled). */
export function focusSoon(id: string): void {
  setTimeout(() => document.getElementById(id)?.focus(), 0);
}

/** "Remove Alice? [Remove] [Cancel]": a second step for what cannot be undone; focus goes to it. */
export function ConfirmInline({
  question,
  confirm,
  disabled,
  onConfirm,
  onCancel,
}: {
  question: string;
  confirm: string;
  disabled: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div
      class="confirm"
      role="group"
      aria-label={question}
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
      }}
    >
      <span class="confirm-question">{question}</span>
      <button type="button" class="danger" onClick={onConfirm} disabled={disabled}>
        {confirm}
      </button>
      <button type="button" ref={cancelRef} onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
