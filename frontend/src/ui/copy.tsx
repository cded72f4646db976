/** Copy a text (an invite link, a token) to the clipboard, saying whether it worked. */

import { useEffect, useRef, useState } from "preact/hooks";

/**
 * The Clipboard API where the page may use it (https, localhost); elsewhere, as on a lab
 * server reached over plain http by its address, the older copy of a selected text.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (window.isSecureContext && navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // refused (no permission, the page not focused): try the older way
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "copy-buffer";
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

/**
 * A Copy button for the text of a read-only field (`targetId`): "Copied" for a moment after;
 * when the browser refuses, the field's text is selected for Ctrl+C.
 */
export function CopyButton({ text, targetId, label }: { text: string; targetId?: string; label: string }) {
  const [result, setResult] = useState<"copied" | "failed" | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => clearTimer(timer.current), []);
  const copy = async () => {
    const copied = await copyText(text);
    setResult(copied ? "copied" : "failed");
    if (!copied && targetId) {
      const field = document.getElementById(targetId);
      if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
        field.focus();
        field.select();
      }
    }
    clearTimer(timer.current);
    timer.current = setTimeout(() => setResult(null), 3000);
  };
  return (
    <>
      <button type="button" class="copy-button" onClick={() => void copy()}>
        {result === "copied" ? "Copied ✓" : label}
      </button>
      <span class="copy-result" role="status">
        {result === "copied" && <span class="visually-hidden">Copied to the clipboard.</span>}
        {result === "failed" && "Press Ctrl+C (⌘C) to copy the selected text."}
      </span>
    </>
  );
}

function clearTimer(timer: ReturnType<typeof setTimeout> | null): void {
  if (timer !== null) clearTimeout(timer);
}
