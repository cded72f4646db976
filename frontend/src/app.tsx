/** The shell: header, the page for the current route, and the API settings in the footer. */

import { useEffect, useState } from "preact/hooks";
import { api } from "./api/client";
import { normalizeApiBase, storeApiBase } from "./api/settings";
import type { Demo, Me } from "./api/types";
import { AccountNav } from "./auth/AccountNav";
import { session, screenFor, useSession } from "./auth/session";
import { JoinPage, SignInScreen } from "./auth/SignIn";
import { Catalogue } from "./pages/Catalogue";
import { ClassesPage, ClassPage } from "./pages/Classes";
import { TokensPage } from "./pages/Tokens";
import { Workbench } from "./pages/Workbench";
import { onLinkClick, type Route, useRoute } from "./router";
import { createdJobs } from "./run/useJobRun";
import { ClassGridPage } from "./teaching/ClassGrid";
import { PushedPresetBanner } from "./teaching/PushedPreset";
import { EmptyState, ErrorState, Loading, type Loaded, useLoad } from "./ui/states";

export function App() {
  const route = useRoute();
  const current = useSession();
  const [demos, retry] = useLoad(() => api.demos(), []);
  useEffect(() => {
    document.addEventListener("click", onLinkClick);
    void session.check();
    const stopWatching = session.watchLearner();
    return () => {
      document.removeEventListener("click", onLinkClick);
      stopWatching();
    };
  }, []);
  const screen = screenFor(current, route);
  const me = current.state === "signed-in" ? current.me : null;

  return (
    <>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="site-header">
        <a href="/" class="brand">
          DiveLab
        </a>
        <span class="tagline">Dive into Deep Learning, live</span>
        {me?.auth === "classroom" && <AccountNav me={me} path={location.pathname} />}
      </header>
      <main id="content" tabIndex={-1}>
        {screen === "checking" && <Loading what="the lab" />}
        {screen === "error" && current.state === "error" && (
          <ErrorState
            title="The lab could not reach its server."
            error={current.error}
            onRetry={() => {
              void session.check();
              if (demos.state === "error") retry();
            }}
          />
        )}
        {screen === "sign-in" && current.state === "signed-out" && <SignInScreen why={current.why} />}
        {screen === "page" && demos.state === "loading" && <Loading what="the demos" />}
        {screen === "page" && demos.state === "error" && (
          <ErrorState title="The lab could not load its demos." error={demos.error} onRetry={retry} />
        )}
        {screen === "page" && demos.state === "ready" && (
          // a new sign-in loads the page again, as the new user
          <Page key={session.generation} route={route} demos={demos.value} me={me} />
        )}
      </main>
      <footer class="site-footer">
        <ApiSettings />
        <a href="/docs">API documentation</a>
      </footer>
    </>
  );
}

function Page({ route, demos, me }: { route: Route; demos: Demo[]; me: Me | null }) {
  const jobDemo = useJobDemo(route.page === "job" ? route.jobId : null);
  return (
    <>
      {me?.role === "learner" && <PushedPresetBanner demos={demos} demoOnShow={demoOnShow(route, jobDemo)} />}
      <PageContent route={route} demos={demos} me={me} jobDemo={jobDemo} />
    </>
  );
}

/** The demo whose page this is: null on other pages, undefined while a run's demo is not known yet. */
function demoOnShow(route: Route, jobDemo: Loaded<string>): string | null | undefined {
  if (route.page === "demo") return route.demoId;
  if (route.page !== "job") return null;
  if (jobDemo.state === "loading") return undefined;
  return jobDemo.state === "ready" ? jobDemo.value : null;
}

function PageContent({
  route,
  demos,
  me,
  jobDemo,
}: {
  route: Route;
  demos: Demo[];
  me: Me | null;
  jobDemo: Loaded<string>;
}) {
  switch (route.page) {
    case "catalogue":
      return <Catalogue demos={demos} />;
    case "not-found":
      return <NotFound what={`There is no page at ${route.path}.`} />;
    case "sign-in":
    case "join":
      if (me?.auth === "none") return <NoSignIn />;
      if (route.page === "join")
        return <JoinPage code={route.code} next={route.next} current={session.get()} />;
      return <SignInScreen why={null} next={route.next} />;
    case "classes":
      return me ? <ClassesPage me={me} /> : null;
    case "class":
      return me ? <ClassPage me={me} classId={route.classId} /> : null;
    case "class-grid":
      return me ? (
        <ClassGridPage me={me} classId={route.classId} demoId={route.demoId} demos={demos} />
      ) : null;
    case "tokens":
      return me ? <TokensPage me={me} /> : null;
    case "demo":
      return <DemoPage demos={demos} demoId={route.demoId} jobId={null} search={route.search} />;
    case "job":
      if (jobDemo.state === "loading") return <Loading what="the run" />;
      if (jobDemo.state === "error")
        return (
          <>
            <h1 class="visually-hidden">Run not found</h1>
            <ErrorState title="This run could not be opened." error={jobDemo.error} />
          </>
        );
      return <DemoPage demos={demos} demoId={jobDemo.value} jobId={route.jobId} search="" />;
  }
}

/** The same Workbench element for a demo and for its runs, so moving between them keeps it. */
function DemoPage({
  demos,
  demoId,
  jobId,
  search,
}: {
  demos: Demo[];
  demoId: string;
  jobId: string | null;
  search: string;
}) {
  const demo = demos.find((d) => d.id === demoId);
  if (!demo) return <NotFound what={`There is no demo called “${demoId}”.`} />;
  return <Workbench key={demo.id} demo={demo} jobId={jobId} search={search} />;
}

/** The demo a job belongs to; known at once for a job this page started (no loading flash). */
function useJobDemo(jobId: string | null) {
  const created = jobId ? createdJobs.get(jobId) : undefined;
  const [loaded] = useLoad(async () => (jobId && !created ? (await api.job(jobId)).demo : ""), [jobId]);
  return created ? ({ state: "ready", value: created.demo } as const) : loaded;
}

function NoSignIn() {
  return (
    <>
      <h1>No sign-in here</h1>
      <EmptyState title="This lab has no sign-in.">
        <p>
          It runs without classes (<code>DIVELAB_AUTH=none</code>): everyone uses it as they are.{" "}
          <a href="/">Go to the catalogue</a>.
        </p>
      </EmptyState>
    </>
  );
}

function NotFound({ what }: { what: string }) {
  return (
    <>
      <h1 class="visually-hidden">Page not found</h1>
      <EmptyState title="Nothing here.">
        <p>
          {what} <a href="/">Back to the catalogue</a>.
        </p>
      </EmptyState>
    </>
  );
}

function ApiSettings() {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(api.base);
  const [error, setError] = useState<string | null>(null);
  if (!editing) {
    return (
      <p class="api-setting">
        API: {api.base || "this server"}{" "}
        <button type="button" class="link-button" onClick={() => setEditing(true)}>
          Change
        </button>
      </p>
    );
  }
  const save = (event: Event) => {
    event.preventDefault();
    try {
      normalizeApiBase(draft);
      storeApiBase(draft);
      location.reload(); // every view reconnects to the new API
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : String(problem));
    }
  };
  return (
    <form class="api-setting" onSubmit={save}>
      <label for="api-base">API address</label>
      <input
        id="api-base"
        type="url"
        placeholder="empty: this server"
        value={draft}
        aria-describedby={error ? "api-base-error" : undefined}
        onInput={(event) => setDraft(event.currentTarget.value)}
      />
      <button type="submit">Save</button>
      <button type="button" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {error && (
        <p id="api-base-error" class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
