/** The empty, loading and error states every view shows instead of a blank space. */

import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "../api/client";
import type { JobStatus } from "../api/types";

export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty-state" role="note">
      <p class="empty-title">{title}</p>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function ErrorState({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: unknown;
  onRetry?: () => void;
}) {
  return (
    <div class="error-state" role="alert">
      <p class="error-title">{title}</p>
      <p>{messageOf(error)}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

const STATUS_WORDS: Record<JobStatus, string> = {
  queued: "waiting",
  running: "running",
  succeeded: "finished",
  failed: "failed",
  cancelled: "stopped",
  diverged: "diverged",
};

export function StatusBadge({ status }: { status: JobStatus }) {
  return <span class={`badge badge-${status}`}>{STATUS_WORDS[status]}</span>;
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError && error.status === 0) {
    return `${error.message} Check that it is running, or the API address in the settings.`;
  }
  return error instanceof Error ? error.message : String(error);
}

export type Loaded<T> =
  { state: "loading" } | { state: "ready"; value: T } | { state: "error"; error: unknown };

/** Load something once per change of `key`, with a retry for the error state. */
export function useLoad<T>(load: () => Promise<T>, key: unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: "loading" });
    load().then(
      (value) => current && setLoaded({ state: "ready", value }),
      (error: unknown) => current && setLoaded({ state: "error", error }),
    );
    return () => {
      current = false;
    };
  }, [...key, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [loaded, retry];
}
