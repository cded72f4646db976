/**
 * A demo's page: the params form with Train and Stop, the run on show (live or replayed) or, in
 * a tab beside it, the demo's code, the demo's run history and the comparison of runs.
 * `/demos/{id}?params=...` and `/jobs/{id}` both show it; the URL always says what a reload
 * should bring back.
 */

import { Fragment } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import { type BookSection, type Demo, type Job, type Params, type Preset, isActive } from "../api/types";
import { edition014, sectionLabel, zefsReferences } from "../book";
import { DemoCode } from "../code/CodeView";
import { placeErrors, type PlacedErrors } from "../form/errors";
import { ParamsForm } from "../form/ParamsForm";
import { PresetButtons } from "../form/PresetButtons";
import { presetInForce, withPreset } from "../form/presets";
import { formFields } from "../form/schema";
import { LineagePanel } from "../forks/Lineage";
import { paramsFromQuery, paramsWithDefaults, queryWithParams, setAt } from "../form/values";
import { navigate, replaceUrl } from "../router";
import { LiveChanges } from "../run/liveChanges";
import type { Path } from "../run/paramDiff";
import { createdJobs, useJobRun, useRunValue } from "../run/useJobRun";
import { PushedPresetNotice, usePushedPreset } from "../teaching/PushedPreset";
import { PushToClass } from "../teaching/PushToClass";
import { InlineCode } from "../ui/inlineCode";
import { messageOf } from "../ui/states";
import { TabList, TabPanel, type TabSpec } from "../ui/tabs";
import { Compare } from "./Compare";
import { MAX_COMPARED, RunHistory } from "./RunHistory";
import { RunPanel } from "./RunPanel";

const NO_ERRORS: PlacedErrors = { byField: new Map(), general: [] };

type View = "run" | "code";
const VIEW = "view";
const VIEWS: TabSpec<View>[] = [
  { id: "run", label: "Run" },
  { id: "code", label: "Code" },
];

interface Props {
  demo: Demo;
  jobId: string | null;
  search: string;
}

export function Workbench({ demo, jobId, search }: Props) {
  const fields = useMemo(() => formFields(demo.params_schema), [demo]);
  const [params, setParams] = useState<Params>(() => paramsWithDefaults(fields, paramsFromQuery(search)));
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [busy, setBusy] = useState<"starting" | "stopping" | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [attachment, retryAttach] = useJobRun(jobId);
  const attached = attachment.state === "ready" ? attachment.attached : null;
  const run = attached?.run ?? null;
  const status = useRunValue(run, (r) => r.status, attached?.job.status ?? "queued");
  const running = attached !== null && isActive(status);
  const [historyVersion, setHistoryVersion] = useState(0);
  const [compared, setCompared] = useState<Job[]>([]);
  // The run, or the demo's code (loaded the first time its tab opens, then kept).
  const [view, setView] = useState<View>("run");
  const [codeOpened, setCodeOpened] = useState(false);
  // A run brought on show (Train, a link, the history) is what to look at.
  useEffect(() => setView("run"), [jobId]);

  // A demo URL (a link, back/forward) brings its params; a run brings the params it ran with.
  useEffect(() => {
    if (!jobId) setParams(paramsWithDefaults(fields, paramsFromQuery(search)));
  }, [jobId, search, fields]);
  useEffect(() => {
    if (attached) setParams(paramsWithDefaults(fields, attached.job.params));
    setErrors(NO_ERRORS);
  }, [attached?.job.id]);
  // Settings the learner's instructor pushed fill the form (after the run on show brought its own).
  const [presetNotice, dismissPresetNotice] = usePushedPreset(
    demo.id,
    fields,
    !running && (jobId === null || attached !== null),
    (values) => {
      setParams(values);
      setErrors(NO_ERRORS);
      replaceUrl(`/demos/${encodeURIComponent(demo.id)}${queryWithParams(values)}`);
      setHistoryVersion((n) => n + 1); // the instructor may have started a run with them
    },
  );
  // The history changes when a run starts and when it ends.
  useEffect(() => setHistoryVersion((n) => n + 1), [attached?.job.id, status]);

  const liveChanges = useRef<LiveChanges | null>(null);
  useEffect(() => {
    if (!attached) return;
    const jobId = attached.job.id;
    const changes = new LiveChanges((change) => sendLiveChange(jobId, change));
    liveChanges.current = changes;
    return () => changes.cancel();
  }, [attached?.job.id]);

  const sendLiveChange = (id: string, change: Params) =>
    api.updateParams(id, change).then(
      () => setErrors(NO_ERRORS),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 409) return; // it just ended
        if (error instanceof ApiError && error.issues.length)
          setErrors(placeErrors(error.issues, ["body"], fields));
        else setActionError(`The change did not reach the job: ${messageOf(error)}`);
      },
    );

  const onChange = (path: Path, value: unknown) => {
    const next = setAt(params, path, value);
    setParams(next);
    setActionError(null);
    if (running) {
      liveChanges.current?.change(String(path[0]), next);
    } else {
      replaceUrl(`/demos/${encodeURIComponent(demo.id)}${queryWithParams(next)}`);
    }
  };

  const applyPreset = (preset: Preset) => {
    const next = withPreset(fields, params, preset);
    setParams(next);
    setActionError(null);
    replaceUrl(`/demos/${encodeURIComponent(demo.id)}${queryWithParams(next)}`);
  };
  const appliedPreset = useMemo(() => presetInForce(fields, params, demo.presets), [fields, params, demo]);

  const train = async () => {
    setBusy("starting");
    setActionError(null);
    try {
      const job = await api.createJob(demo.id, params);
      setErrors(NO_ERRORS);
      createdJobs.set(job.id, job);
      navigate(`/jobs/${encodeURIComponent(job.id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.issues.length) {
        const placed = placeErrors(error.issues, ["body", "params"], fields);
        setErrors(placed);
        setActionError(
          placed.general.length ? null : "Some settings are not valid: see the messages next to them.",
        );
      } else {
        setActionError(`The run could not start: ${messageOf(error)}`);
      }
    } finally {
      setBusy(null);
    }
  };

  /** "Compare branches": these runs in the comparison below, which comes into view. */
  const compareBranches = async (ids: string[]) => {
    setCompared(await Promise.all(ids.map((id) => api.job(id))));
    const title = document.getElementById("compare-title");
    title?.scrollIntoView({ block: "start" });
    title?.focus({ preventScroll: true });
  };

  const stop = async () => {
    if (!attached) return;
    setBusy("stopping");
    try {
      await api.cancel(attached.job.id);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409))
        setActionError(`Could not stop the run: ${messageOf(error)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="workbench">
      <header class="demo-header">
        <nav aria-label="Breadcrumb" class="breadcrumb">
          <a href="/">Catalogue</a> › <span>{demo.chapter}</span>
        </nav>
        <h1>{demo.title}</h1>
        <BookReferences demo={demo} />
        <p class="summary">{demo.summary}</p>
      </header>
      <div class="workbench-columns">
        <aside class="controls" aria-label="Settings">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (!running && !busy) void train();
            }}
          >
            <h2>Settings</h2>
            <div class="actions">
              <button type="submit" class="primary" disabled={running || busy !== null}>
                {busy === "starting" ? "Starting…" : "Train"}
              </button>
              <button type="button" onClick={() => void stop()} disabled={!running || busy !== null}>
                {busy === "stopping" ? "Stopping…" : "Stop"}
              </button>
              <PushToClass demo={demo} params={params} />
            </div>
            <PushedPresetNotice notice={presetNotice} onDismiss={dismissPresetNotice} />
            {errors.general.map((message) => (
              <p key={message} class="form-error" role="alert">
                {message}
              </p>
            ))}
            {actionError && (
              <p class="form-error" role="alert">
                {actionError}
              </p>
            )}
            {running && (
              <p class="lock-note">
                While the job runs, only the settings marked live can change; they apply from the next step.
              </p>
            )}
            <PresetButtons
              presets={demo.presets}
              inForce={appliedPreset}
              disabled={running || busy !== null}
              onApply={applyPreset}
            />
            <ParamsForm
              fields={fields}
              context={{ value: params, onChange, running, errors: errors.byField }}
            />
          </form>
          {demo.what_to_try.length > 0 && (
            <section class="what-to-try" aria-labelledby="what-to-try">
              <h2 id="what-to-try">What to try</h2>
              <ul>
                {demo.what_to_try.map((tip) => (
                  <li key={tip}>
                    <InlineCode text={tip} />
                  </li>
                ))}
              </ul>
            </section>
          )}
        </aside>
        <div class="workbench-main">
          <TabList
            prefix={VIEW}
            label="What the page shows"
            tabs={VIEWS}
            selected={view}
            onSelect={(selected) => {
              setView(selected);
              if (selected === "code") setCodeOpened(true);
            }}
          />
          <TabPanel prefix={VIEW} id="run" selected={view === "run"}>
            <RunPanel
              attachment={attachment}
              charts={demo.charts}
              notices={demo.notices}
              fields={fields}
              onRetry={retryAttach}
            />
          </TabPanel>
          <TabPanel prefix={VIEW} id="code" selected={view === "code"}>
            {codeOpened && <DemoCode demoId={demo.id} title={demo.title} />}
          </TabPanel>
        </div>
      </div>
      <div class="history-row">
        <RunHistory
          demo={demo}
          fields={fields}
          currentJobId={jobId}
          version={historyVersion}
          selected={compared}
          onSelect={setCompared}
        />
        <LineagePanel
          jobId={jobId}
          version={historyVersion}
          maxCompared={MAX_COMPARED}
          onCompare={compareBranches}
        />
      </div>
      <Compare runs={compared} charts={demo.charts} />
    </div>
  );
}

/**
 * Where to read about the demo: the sections of *Dive into Deep Learning* it reproduces (links
 * to d2l.ai), the same sections in the 0.14 edition where it numbers them differently, and the
 * chapters of *Zefs Guide to Deep Learning* that explain the same ideas.
 */
function BookReferences({ demo }: { demo: Demo }) {
  const [main, ...also] = demo.book;
  const zefs = zefsReferences(demo.zefs);
  const before = demo.book.some((section) => edition014(section) !== null);
  return (
    <>
      <p class="book-section">
        {main ? (
          <>
            Book section <SectionLink section={main} /> of <cite>Dive into Deep Learning</cite>
            {also.length > 0 && (
              <>
                ; also{" "}
                {also.map((section, i) => (
                  <Fragment key={section.number}>
                    {i > 0 && ", "}
                    <SectionLink section={section} />
                  </Fragment>
                ))}
              </>
            )}
          </>
        ) : (
          <>
            <strong>{demo.chapter}</strong>: <cite>Dive into Deep Learning</cite> has no section on this; Zefs
            Guide explains it
          </>
        )}
      </p>
      {before && (
        <p class="book-edition">
          0.14 edition: {demo.book.map((section) => sectionLabel(section.edition_0_14)).join(", ")}
        </p>
      )}
      {zefs.length > 0 && (
        <p class="book-zefs">
          <cite>Zefs Guide to Deep Learning</cite>,{" "}
          {zefs
            .map(({ chapter, title, topics }) => `ch. ${chapter} “${title}”: ${topics.join(", ")}`)
            .join("; ")}
        </p>
      )}
    </>
  );
}

/** "12.3 Gradient Descent", a link to it on d2l.ai. */
function SectionLink({ section }: { section: BookSection }) {
  return (
    <a href={section.url} target="_blank" rel="noreferrer" class="section-link">
      <strong>{section.number}</strong> {section.title}
    </a>
  );
}
