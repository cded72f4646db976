/**
 * An instructor's live grid of a class (`/classes/{id}/grid?demo=ID`): for the demo they
 * pick, one card per learner with their newest run's status, key params and a small chart,
 * all over one websocket. A card's chart redraws when its run gets points; the cards are laid
 * out again only when a learner, a run or a status changes.
 */

import type { RefObject } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import { websocketUrl } from "../api/settings";
import type { Demo, GridLearner, Me } from "../api/types";
import { LineSwatch } from "../charts/LineSwatch";
import { formFields, type FieldSpec } from "../form/schema";
import { NotForYou } from "../pages/Classes";
import { navigate } from "../router";
import { EmptyState, ErrorState, StatusBadge, useLoad } from "../ui/states";
import { GridState, gridSummary, type KeyParam, keyParams } from "./grid";
import { type GridConnection, GridSocket } from "./gridSocket";
import { metricColor, Sparkline } from "./sparkline";

const CHART_HEIGHT = 96;
/** Key params a card shows at once; the rest open under "N more settings". */
const CARD_PARAMS = 6;

interface Props {
  me: Me;
  classId: string;
  demoId: string | null;
  demos: Demo[];
}

export function ClassGridPage({ me, classId, demoId, demos }: Props) {
  if (me.role !== "instructor") return <NotForYou me={me} />;
  return <ClassGrid classId={classId} demoId={demoId} demos={demos} />;
}

function ClassGrid({ classId, demoId, demos }: Omit<Props, "me">) {
  const [cls, retry] = useLoad(() => api.classDetail(classId), [classId]);
  const demo = demoId ? demos.find((d) => d.id === demoId) : undefined;
  const className = cls.state === "ready" ? cls.value.name : "Class";
  const classLink = `/classes/${encodeURIComponent(classId)}`;
  if (cls.state === "error") {
    const missing = cls.error instanceof ApiError && cls.error.status === 404;
    return (
      <>
        <nav aria-label="Breadcrumb" class="breadcrumb">
          <a href="/classes">Classes</a> › <span>Live grid</span>
        </nav>
        <h1>Live grid</h1>
        <ErrorState
          title={missing ? "This class does not exist, or is not yours." : "The class could not be loaded."}
          error={cls.error}
          onRetry={missing ? undefined : retry}
        />
      </>
    );
  }
  return (
    <div class="grid-page">
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/classes">Classes</a> › <a href={classLink}>{className}</a> › <span>Live grid</span>
      </nav>
      <h1>Live grid: {className}</h1>
      <div class="grid-toolbar">
        <div class="field">
          <label for="grid-demo">Demo</label>
          <select
            id="grid-demo"
            value={demo?.id ?? ""}
            onChange={(event) => {
              const id = event.currentTarget.value;
              navigate(`${classLink}/grid${id ? `?demo=${encodeURIComponent(id)}` : ""}`);
            }}
          >
            <option value="">Choose a demo…</option>
            {demos.map((d) => (
              <option key={d.id} value={d.id}>
                {d.title}
              </option>
            ))}
          </select>
        </div>
        {demo && (
          <a class="grid-demo-link" href={`/demos/${encodeURIComponent(demo.id)}`}>
            Open the demo to push settings to the class
          </a>
        )}
      </div>
      {!demoId && (
        <EmptyState title="Choose a demo to watch your class train it.">
          <p>
            Each learner gets a card with their newest run of it: its status, its settings and its curves,
            live.
          </p>
        </EmptyState>
      )}
      {demoId && !demo && (
        <ErrorState
          title="This demo does not exist."
          error={`There is no demo called “${demoId}”: choose one above.`}
        />
      )}
      {demo && <GridView key={demo.id} classId={classId} demo={demo} />}
    </div>
  );
}

function GridView({ classId, demo }: { classId: string; demo: Demo }) {
  const state = useMemo(() => new GridState(), []);
  const [connection, setConnection] = useState<GridConnection>({ kind: "connecting" });
  const [, setVersion] = useState(0);
  const fields = useMemo(() => formFields(demo.params_schema), [demo]);

  useEffect(() => state.subscribe(() => setVersion((n) => n + 1)), [state]);
  useEffect(() => {
    let current = true;
    const socket = new GridSocket({
      url: websocketUrl(
        api.base,
        `/api/classes/${encodeURIComponent(classId)}/grid?demo=${encodeURIComponent(demo.id)}`,
        location.href,
      ),
      onMessage: (message) => state.receive(message),
      onState: (next) => {
        if (!current) return;
        setConnection(next);
        if (next.kind === "unauthorized") api.onUnauthorized?.(new ApiError("Sign in first.", 401));
      },
    });
    socket.start();
    return () => {
      current = false;
      socket.stop();
    };
  }, [classId, demo.id, state]);

  if (connection.kind === "refused")
    return (
      <ErrorState
        title="The live grid could not open."
        error={connection.reason || "This class is not yours, or the demo does not exist."}
      />
    );
  const learners = state.learners;
  return (
    <section class="grid-view" aria-labelledby="grid-title">
      <h2 id="grid-title" class="visually-hidden">
        Learners
      </h2>
      <ConnectionNote connection={connection} />
      {learners === null ? (
        connection.kind !== "reconnecting" && (
          <p class="loading" role="status">
            Connecting to the class…
          </p>
        )
      ) : learners.length === 0 ? (
        <EmptyState title="Nobody has joined this class yet.">
          <p>Learners appear here as they join with the class's invite.</p>
        </EmptyState>
      ) : (
        <>
          <div class="grid-summary">
            <p data-testid="grid-summary">{gridSummary(learners)}</p>
            <MetricsLegend metrics={state.metrics} />
          </div>
          {learners.every((learner) => learner.job_id === null) && (
            <EmptyState title="No learner has run this demo yet.">
              <p>
                Their cards fill in as they press Train. To start everyone at once, open the demo, choose the
                settings and use <strong>Push to class</strong>.
              </p>
            </EmptyState>
          )}
          <ul class="grid-cards">
            {learners.map((learner) => (
              <LearnerCard
                key={learner.learner_id}
                learner={learner}
                state={state}
                fields={fields}
                demo={demo}
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ConnectionNote({ connection }: { connection: GridConnection }) {
  if (connection.kind !== "reconnecting") return null;
  const seconds = Math.ceil(connection.delayMs / 1000);
  return (
    <div class="banner banner-warning" role="status" data-testid="grid-connection">
      <strong>Connection to the server lost</strong> ({connection.reason}). Reconnecting
      {connection.delayMs > 0 ? ` in ${seconds} s` : ""}
      {connection.attempt > 1 ? ` (attempt ${connection.attempt})` : ""}… The cards show what was last heard.
    </div>
  );
}

function MetricsLegend({ metrics }: { metrics: string[] }) {
  if (metrics.length === 0) return null;
  return (
    <ul class="grid-legend" aria-label="The lines on every card">
      {metrics.map((name, index) => (
        <li key={name}>
          <LineSwatch color={metricColor(index)} dash={[]} />
          {name}
        </li>
      ))}
    </ul>
  );
}

function LearnerCard({
  learner,
  state,
  fields,
  demo,
}: {
  learner: GridLearner;
  state: GridState;
  fields: FieldSpec[];
  demo: Demo;
}) {
  const params = learner.params ? keyParams(fields, demo.live_params, learner.params) : [];
  const shown = params.slice(0, CARD_PARAMS);
  const more = params.slice(CARD_PARAMS);
  const stepRef = useRef<HTMLSpanElement>(null);
  return (
    <li class="grid-card" data-learner={learner.name} data-status={learner.status ?? "none"}>
      <div class="grid-card-head">
        <h3>{learner.name}</h3>
        {learner.status ? (
          <StatusBadge status={learner.status} />
        ) : (
          <span class="badge badge-none">no run yet</span>
        )}
      </div>
      {learner.job_id === null ? (
        <p class="grid-card-empty">Has not run this demo yet.</p>
      ) : (
        <>
          <RunChart
            state={state}
            jobId={learner.job_id}
            learner={learner.name}
            logScale={demo.charts[0]?.log_scale ?? false}
            stepRef={stepRef}
          />
          <ParamList params={shown} />
          {more.length > 0 && (
            <details class="grid-params-more">
              <summary>{more.length} more settings</summary>
              <ParamList params={more} />
            </details>
          )}
          {learner.error && (
            <p class="grid-card-error" title={learner.error}>
              {learner.error}
            </p>
          )}
          <div class="grid-card-foot">
            <a href={`/jobs/${encodeURIComponent(learner.job_id)}`}>
              Open run<span class="visually-hidden"> of {learner.name}</span>
            </a>
            <span ref={stepRef} class="grid-step" />
          </div>
        </>
      )}
    </li>
  );
}

/** "steps 50 · momentum.momentum 0.9": what the learner chose in bold. */
function ParamList({ params }: { params: KeyParam[] }) {
  if (params.length === 0) return null;
  return (
    <dl class="grid-params">
      {params.map((param) => (
        <div key={param.key} class={param.changed ? "changed" : undefined}>
          <dt>{param.label}</dt>
          <dd>{param.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The run's chart, redrawn when its own points arrive (not when the page re-renders). */
function RunChart({
  state,
  jobId,
  learner,
  logScale,
  stepRef,
}: {
  state: GridState;
  jobId: string;
  learner: string;
  logScale: boolean;
  /** Where the run's last step is written, beside its link. */
  stepRef: RefObject<HTMLSpanElement | null>;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const metrics = state.metrics;
  useEffect(() => {
    const chart = new Sparkline(hostRef.current!, CHART_HEIGHT, logScale);
    const draw = () => {
      chart.draw(metrics, state.seriesOf(jobId));
      const step = state.lastStep(jobId);
      if (stepRef.current) stepRef.current.textContent = step === null ? "" : `step ${step}`;
    };
    draw();
    const unsubscribe = state.subscribeRun(jobId, draw);
    return () => {
      unsubscribe();
      chart.destroy();
    };
  }, [state, jobId, metrics, logScale, stepRef]);
  return (
    <div
      ref={hostRef}
      class="sparkline"
      role="img"
      aria-label={`${learner}'s run: ${metrics.join(", ") || "its metrics"} by step`}
      style={{ height: `${CHART_HEIGHT}px` }}
    />
  );
}
