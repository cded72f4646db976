/**
 * Notices about how a run was made that a learner must not miss, such as a fallback standing
 * in for pretrained weights. Generic: any summary key named `<what>_note` is a notice about
 * `<what>`, and a log line that says "fallback" is one while the run still trains.
 */

export interface RunNotice {
  /** What the notice is about ("features"); a summary's note replaces a log line's. */
  key: string;
  tone: "warning" | "info";
  /** A sentence that says what it means for the result; null: the text says it all. */
  headline: string | null;
  /** The job's own words (where the real weights come from, say). */
  text: string;
}

const NOTE_SUFFIX = "_note";

/** Headlines for what is known to matter: what a fallback means for the result. */
const FALLBACK_HEADLINES: Record<string, string> = {
  features: "This image is made with stand-in random features instead of VGG19's.",
};

/** Values of `<what>` that mean the real thing was used (`features: "vgg19"`). */
const REAL_VALUES: Record<string, readonly string[]> = {
  features: ["vgg19"],
};

const mentionsFallback = (text: string) => /\bfall-?back\b/i.test(text);

export function isNoteKey(key: string | number): boolean {
  return typeof key === "string" && key.length > NOTE_SUFFIX.length && key.endsWith(NOTE_SUFFIX);
}

/** One notice per `*_note` key of a run's summary, in the summary's order. */
export function summaryNotices(summary: Record<string, unknown> | null): RunNotice[] {
  if (!summary) return [];
  return Object.entries(summary).flatMap(([name, text]) => {
    if (!isNoteKey(name) || typeof text !== "string" || !text.trim()) return [];
    const key = name.slice(0, -NOTE_SUFFIX.length);
    const value = summary[key];
    const notReal = typeof value === "string" && key in REAL_VALUES && !REAL_VALUES[key].includes(value);
    return [notice(key, text.trim(), notReal || mentionsFallback(text))];
  });
}

/** A notice from a log line that says a fallback is used ("Features: RANDOM FILTERS
 * (fallback), ..."), about what the line starts with ("features"); null for other lines. */
export function logNotice(message: string): RunNotice | null {
  if (!mentionsFallback(message)) return null;
  const about = /^([A-Za-z][\w -]{0,30}):\s/.exec(message)?.[1];
  const key = about
    ? about
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, "_")
    : "log";
  return notice(key, message.trim(), true);
}

/** The notices on show: the summary's, and before it arrives those of the log lines. */
export function runNotices(
  fromLogs: readonly RunNotice[],
  summary: Record<string, unknown> | null,
): RunNotice[] {
  const fromSummary = summaryNotices(summary);
  const covered = new Set(fromSummary.map((n) => n.key));
  return [...fromSummary, ...fromLogs.filter((n) => !covered.has(n.key))];
}

function notice(key: string, text: string, fallback: boolean): RunNotice {
  if (!fallback) return { key, tone: "info", headline: null, text };
  const headline = FALLBACK_HEADLINES[key] ?? `This run used a stand-in for its ${key.replace(/_/g, " ")}.`;
  return { key, tone: "warning", headline, text };
}
