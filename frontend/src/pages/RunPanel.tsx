/** The run on show: what state it is in, its connection, its chart, pictures and results. */

import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import { type ChartSpec, type Job, type NoticeSpec, isActive } from "../api/types";
import { ChartGroups, sourcesByKey } from "../charts/ChartGroups";
import { MetricGrouping } from "../charts/groups";
import { ExportLinks } from "../code/ExportLinks";
import { explainStatus } from "../explain";
import type { FieldSpec } from "../form/schema";
import { forkChartSource, withSnapshots } from "../forks/branch";
import { ForkDialog, type ForkRequest } from "../forks/ForkDialog";
import { type ParentState, type Snapshots, useParentCurves, useSnapshots, useWatched } from "../forks/hooks";
import { lastSnapshot, pickSnapshot } from "../forks/snapshots";
import { FramePanels } from "../frames/FramePanels";
import { runChartSource } from "../run/chartSource";
import type { JobRun } from "../run/jobRun";
import { isNoteKey, runNotices } from "../run/notices";
import { describeQueuePlace, useQueuePlace } from "../run/queuePlace";
import type { StreamState } from "../run/jobStream";
import { describePath, formatValue, leaves } from "../run/paramDiff";
import { type AttachedJob, type Attachment, useRunValue } from "../run/useJobRun";
import { EmptyState, ErrorState, Loading, StatusBadge, useLoad } from "../ui/states";

interface Props {
  attachment: Attachment;
  /** The demo's metric charts (`Demo.charts`). */
  charts: ChartSpec[];
  /** How to read the notes of the demo's summaries (`Demo.notices`). */
  notices: NoticeSpec[];
  /** The demo's params form, which the fork dialog shows. */
  fields: FieldSpec[];
  onRetry: () => void;
}

export function RunPanel({ attachment, charts, notices, fields, onRetry }: Props) {
  return (
    <section class="run-panel" aria-label="Run">
      {attachment.state === "none" && (
        <>
          <EmptyState title="No run on show yet.">
            <p>
              Choose settings and press <strong>Train</strong>: the metrics and pictures of the run stream in
              here as it trains.
            </p>
          </EmptyState>
          <div class="run-placeholder" aria-hidden="true" />
        </>
      )}
      {attachment.state === "loading" && <Loading what="the run" />}
      {attachment.state === "error" && (
        <ErrorState
          title={isNotFound(attachment.error) ? "This run does not exist." : "The run could not be loaded."}
          error={
            isNotFound(attachment.error)
              ? `There is no run ${attachment.jobId} on this server; it may belong to another one.`
              : attachment.error
          }
          onRetry={isNotFound(attachment.error) ? undefined : onRetry}
        />
      )}
      {attachment.state === "ready" && (
        <RunView
          key={attachment.attached.job.id}
          attached={attachment.attached}
          stream={attachment.stream}
          charts={charts}
          notices={notices}
          fields={fields}
        />
      )}
    </section>
  );
}

const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

function RunView({
  attached,
  stream,
  charts,
  notices,
  fields,
}: {
  attached: AttachedJob;
  stream: StreamState;
  charts: ChartSpec[];
  notices: NoticeSpec[];
  fields: FieldSpec[];
}) {
  const { job, run } = attached;
  const status = useRunValue(run, (r) => r.status, job.status);
  const hasEvents = useRunValue(run, (r) => r.lastSeq > 0, false);
  const snapshots = useSnapshots(job.id, run);
  const parent = useParentCurves(job);
  const [forking, setForking] = useState<ForkRequest | null>(null);
  const pickStep = (step: number, slack: number) => {
    if (snapshots.list.state !== "ready") return;
    const picked = Math.max(0, Math.round(step));
    setForking({ kind: "step", step: pickSnapshot(snapshots.steps.value, step, slack), picked });
  };
  return (
    <>
      <div class="run-header">
        <h2>
          Run <code>{job.id}</code> <StatusBadge status={status} />
        </h2>
        <p class="run-meta">
          Started {new Date(job.created_at).toLocaleString()} ·{" "}
          <a
            href={`/jobs/${encodeURIComponent(job.id)}`}
            title="A link to this run: live while it trains, a replay afterwards"
          >
            Permalink
          </a>
        </p>
        <ExportLinks job={job} status={status} />
      </div>
      {job.parent_id && <ForkBanner job={job} parent={parent.state} />}
      <ConnectionBanner stream={stream} />
      {/* a run that was not waiting when it was loaded never waits again: no need to ask */}
      <StatusExplanation run={run} jobId={job.id} mayWait={job.status === "queued"} />
      <RunNotices run={run} declared={notices} />
      <section class="chart-section" aria-labelledby="chart-title">
        <div class="section-head">
          <h3 id="chart-title">Metrics</h3>
          {status === "running" && (
            <button type="button" id="fork-button" onClick={() => setForking({ kind: "now" })}>
              Fork now
            </button>
          )}
          {!isActive(status) && (
            <button
              type="button"
              id="fork-button"
              title="Fork the run from its last saved step"
              disabled={snapshots.list.state === "loading"}
              onClick={() =>
                setForking({ kind: "step", step: lastSnapshot(snapshots.steps.value), picked: null })
              }
            >
              Fork…
            </button>
          )}
        </div>
        {status !== "queued" && (
          <p class="fork-hint">
            Click a step on a chart to fork the run from there: a new run that continues it with other
            settings. The marks <span class="snapshot-key" aria-hidden="true" /> under the step axis are the
            saved steps it can start from.
          </p>
        )}
        <RunCharts
          run={run}
          job={job}
          snapshots={snapshots}
          parentCurves={parent.curves}
          onPickStep={pickStep}
          charts={charts}
          empty={
            <EmptyState
              title={hasEvents || isActive(status) ? "No metrics yet." : "This run reported no metrics."}
            >
              {isActive(status) && <p>They appear as soon as the job reports its first step.</p>}
            </EmptyState>
          }
        />
      </section>
      <section class="pictures" aria-labelledby="pictures-title">
        <h3 id="pictures-title">Pictures</h3>
        <FramePanels
          run={run}
          empty={
            <EmptyState title={isActive(status) ? "No picture yet." : "This run sent no pictures."}>
              {isActive(status) && <p>It appears when the job sends its first frame.</p>}
            </EmptyState>
          }
        />
      </section>
      {!isActive(status) && <Results run={run} jobId={job.id} />}
      {forking && (
        <ForkDialog
          job={job}
          run={run}
          fields={fields}
          snapshots={snapshots}
          request={forking}
          onClose={() => setForking(null)}
        />
      )}
    </>
  );
}

/** Where a fork came from: its parent (a link) and the step it branched after. */
function ForkBanner({ job, parent }: { job: Job; parent: ParentState }) {
  const parentId = job.parent_id!;
  return (
    <div class="banner banner-fork" role="note" data-testid="fork-banner">
      <p>
        Forked from{" "}
        <a href={`/jobs/${encodeURIComponent(parentId)}`}>
          run <code>{parentId}</code>
        </a>{" "}
        after step {job.fork_step ?? "—"}.
        {parent === "gone"
          ? " That run is no longer here."
          : " Its curves are drawn dashed and paler; this run's lines branch off them there."}
      </p>
      {parent === "error" && <p class="muted">The curves of the run it came from could not be loaded.</p>}
    </div>
  );
}

/**
 * One chart per group of metrics the demo declares, each with the run's live-change marks and
 * its saved steps; a fork's charts draw it over its parent's curves.
 */
function RunCharts({
  run,
  job,
  snapshots,
  parentCurves,
  onPickStep,
  charts,
  empty,
}: {
  run: JobRun;
  job: Job;
  snapshots: Snapshots;
  parentCurves: ReturnType<typeof useParentCurves>["curves"];
  onPickStep?: (step: number, slack: number) => void;
  charts: ChartSpec[];
  empty: ComponentChildren;
}) {
  const grouping = useMemo(() => new MetricGrouping(charts), [charts]);
  const sourceOf = useMemo(
    () =>
      sourcesByKey((key) => {
        const shows = (name: string) => grouping.keyOf(name) === key;
        const source =
          job.parent_id && job.fork_step != null
            ? forkChartSource(run, job.fork_step, parentCurves, `parent ${job.parent_id.slice(0, 6)}`, shows)
            : runChartSource(run, shows);
        return withSnapshots(source, snapshots.steps);
      }),
    [run, grouping, parentCurves, snapshots.steps],
  );
  const inherited = useWatched(parentCurves);
  const names = () => new Set([...run.metrics.keys(), ...inherited.keys()]);
  // re-render when a chart appears, not at every point
  useRunValue(
    run,
    (r) =>
      grouping
        .groups(r.metrics.keys())
        .map((group) => group.key)
        .join(" "),
    "",
  );
  return (
    <ChartGroups
      grouping={grouping}
      groups={grouping.groups(names())}
      sourceOf={sourceOf}
      label="Metrics of this run"
      heading="h4"
      empty={empty}
      onPickStep={onPickStep}
    />
  );
}

function ConnectionBanner({ stream }: { stream: StreamState }) {
  if (stream.kind === "reconnecting" && !stream.quiet) {
    const seconds = Math.ceil(stream.delayMs / 1000);
    return (
      <div class="banner banner-warning" role="status" data-testid="connection-banner">
        <strong>Connection to the server lost</strong> ({stream.reason}). Reconnecting
        {stream.delayMs > 0 ? ` in ${seconds} s` : ""}
        {stream.attempt > 1 ? ` (attempt ${stream.attempt})` : ""}… No data is lost: the run resumes where it
        left off.
      </div>
    );
  }
  if (stream.kind === "unknown-job") {
    return (
      <div class="banner banner-error" role="alert">
        The server does not know this run any more.
      </div>
    );
  }
  return null;
}

function StatusExplanation({ run, jobId, mayWait }: { run: JobRun; jobId: string; mayWait: boolean }) {
  const status = useRunValue(run, (r) => r.status, run.status);
  const place = useQueuePlace(jobId, mayWait && status === "queued");
  const placeText = place && describeQueuePlace(place);
  const error = useRunValue(run, (r) => r.error, null);
  const step = useRunValue(run, (r) => r.lastStep, null);
  const progress = useRunValue(run, (r) => r.progress, null);
  // the latest log line, unless it is a notice (shown on its own below)
  const log = useRunValue(
    run,
    (r) => {
      const message = r.logs.at(-1)?.message ?? null;
      return r.notices.some((notice) => notice.text === message?.trim()) ? null : message;
    },
    null,
  );
  const explanation = explainStatus(status, error, step);
  return (
    <div
      class={`status status-${explanation.tone}`}
      role={explanation.tone === "error" ? "alert" : "status"}
      data-status={status}
    >
      <p class="status-headline">{explanation.headline}</p>
      {explanation.detail && <p class="status-detail">{explanation.detail}</p>}
      {status === "queued" && placeText && (
        <>
          <p class="queue-place" data-testid="queue-place">
            {placeText}
          </p>
          <p class="queue-note">The wait is an estimate from how long recent runs took.</p>
        </>
      )}
      {explanation.advice && <p class="status-advice">{explanation.advice}</p>}
      {isActive(status) && progress !== null && <progress max={1} value={progress} aria-label="Progress" />}
      {isActive(status) && log && <p class="status-log">{log}</p>}
    </div>
  );
}

/** What the run used that the learner must know about (a fallback), as long as it is on show. */
function RunNotices({ run, declared }: { run: JobRun; declared: NoticeSpec[] }) {
  // re-render when a notice arrives, not at every event
  useRunValue(run, (r) => `${r.notices.length} ${r.summary ? "summary" : ""}`, "");
  const notices = runNotices(run.notices, run.summary, declared);
  return (
    <>
      {notices.map((notice) => (
        <div
          key={notice.key}
          class={`banner run-notice banner-${notice.tone}`}
          role={notice.tone === "warning" ? "status" : "note"}
          data-notice={notice.key}
        >
          {notice.headline && <p class="notice-headline">{notice.headline}</p>}
          <p class={notice.headline ? "notice-text" : undefined}>{notice.text}</p>
        </div>
      ))}
    </>
  );
}

function Results({ run, jobId }: { run: JobRun; jobId: string }) {
  const summary = useRunValue(run, (r) => r.summary, null);
  const [artifacts] = useLoad(() => api.artifacts(jobId), [jobId]);
  // the notes are on show above, as notices
  const rows = summary
    ? leaves(summary)
        .filter(([path]) => !(path.length === 1 && isNoteKey(path[0])))
        .slice(0, 40)
    : [];
  return (
    <section class="results" aria-labelledby="results-title">
      <h3 id="results-title">Results</h3>
      {rows.length === 0 ? (
        <p class="muted">This run left no summary.</p>
      ) : (
        <table class="summary-table">
          <tbody>
            {rows.map(([path, value]) => (
              <tr key={path.join(".")}>
                <th scope="row">{describePath(summary!, path)}</th>
                <td>{formatValue(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {artifacts.state === "error" && <p class="muted">The files of this run could not be listed.</p>}
      {artifacts.state === "ready" && artifacts.value.length > 0 && (
        <p>
          Files:{" "}
          {artifacts.value.map((artifact) => (
            <a key={artifact.name} href={api.url(artifact.url)} download>
              {artifact.name}
            </a>
          ))}
        </p>
      )}
    </section>
  );
}
