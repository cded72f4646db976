/**
 * Notices about how a run was made that a learner must not miss, such as a fallback standing
 * in for pretrained weights. Any summary key named `<what>_note` is a notice about `<what>`,
 * and a log line that says "fallback" is one while the run still trains. A demo declares how
 * to read its notes (`Demo.notices`: which values of `<what>` are the real thing, and what a
 * stand-in means for the result); a note it does not declare is a warning when it says
 * "fallback", with a generic headline.
 */

import type { NoticeSpec } from "../api/types";

export interface RunNotice {
  /** What the notice is about ("features"); a summary's note replaces a log line's. */
  key: string;
  tone: "warning" | "info";
  /** A sentence that says what it means for the result; null: the text says it all. */
  headline: string | null;
  /** The job's own words (where the real weights come from, say). */
  text: string;
}

/** A log line that says a fallback is used, about `key`: kept by the run until its summary. */
export interface LogNotice {
  key: string;
  text: string;
}

const NOTE_SUFFIX = "_note";

const mentionsFallback = (text: string) => /\bfall-?back\b/i.test(text);

export function isNoteKey(key: string | number): boolean {
  return typeof key === "string" && key.length > NOTE_SUFFIX.length && key.endsWith(NOTE_SUFFIX);
}

/**
 * One notice per `*_note` key of a run's summary, in the summary's order. A declared note is a
 * warning when `summary[key]` is there and is not one of its real values.
 */
export function summaryNotices(
  summary: Record<string, unknown> | null,
  declared: readonly NoticeSpec[],
): RunNotice[] {
  if (!summary) return [];
  return Object.entries(summary).flatMap(([name, text]) => {
    if (!isNoteKey(name) || typeof text !== "string" || !text.trim()) return [];
    const key = name.slice(0, -NOTE_SUFFIX.length);
    const spec = specOf(key, declared);
    const value = summary[key];
    const notReal = spec !== undefined && value != null && !spec.real_values.includes(String(value));
    return [notice(key, text.trim(), notReal || mentionsFallback(text), spec)];
  });
}

/** A log line that says a fallback is used ("Features: RANDOM FILTERS (fallback), ..."), about
 * what the line starts with ("features"); null for other lines. */
export function logNotice(message: string): LogNotice | null {
  if (!mentionsFallback(message)) return null;
  const about = /^([A-Za-z][\w -]{0,30}):\s/.exec(message)?.[1];
  const key = about
    ? about
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, "_")
    : "log";
  return { key, text: message.trim() };
}

/** The notices on show: the summary's, and before it arrives those of the log lines. */
export function runNotices(
  fromLogs: readonly LogNotice[],
  summary: Record<string, unknown> | null,
  declared: readonly NoticeSpec[],
): RunNotice[] {
  const fromSummary = summaryNotices(summary, declared);
  const covered = new Set(fromSummary.map((n) => n.key));
  return [
    ...fromSummary,
    ...fromLogs
      .filter((n) => !covered.has(n.key))
      .map((n) => notice(n.key, n.text, true, specOf(n.key, declared))),
  ];
}

function specOf(key: string, declared: readonly NoticeSpec[]): NoticeSpec | undefined {
  return declared.find((spec) => spec.key === key);
}

function notice(key: string, text: string, fallback: boolean, spec: NoticeSpec | undefined): RunNotice {
  if (!fallback) return { key, tone: "info", headline: null, text };
  const headline = spec?.headline ?? `This run used a stand-in for its ${key.replace(/_/g, " ")}.`;
  return { key, tone: "warning", headline, text };
}
