/** The picture panels of a run: one per frame name, each drawn by its kind's renderer. */

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { JobRun } from "../run/jobRun";
import { EmptyState } from "../ui/states";
import { type Panel, panelsOf, rendererOf } from "./registry";

export function FramePanels({ run, empty }: { run: JobRun | null; empty: ComponentChildren }) {
  const [panels, setPanels] = useState<Panel[]>(() => (run ? panelsOf(run) : []));
  useEffect(() => {
    if (!run) return setPanels([]);
    const refresh = () =>
      setPanels((shown) => {
        const next = panelsOf(run);
        return JSON.stringify(next) === JSON.stringify(shown) ? shown : next;
      });
    refresh();
    return run.subscribe(refresh);
  }, [run]);

  if (!run || panels.length === 0) return <div class="frame-empty">{empty}</div>;
  return (
    <div class="frame-panels">
      {panels.map((panel) => (
        <FramePanel key={`${run.id}/${panel.name}`} run={run} panel={panel} />
      ))}
    </div>
  );
}

/** Pictures redraw at most this often (20 per second): enough to watch, and it leaves the
 * main thread free to take in a fast job's events. */
const PICTURE_INTERVAL_MS = 50;

/** Calls `action` at most once per interval, always ending with a call after the last request. */
function throttle(action: () => void, intervalMs: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    last = performance.now();
    action();
  };
  return {
    call() {
      if (timer !== null) return;
      timer = setTimeout(run, Math.max(0, last + intervalMs - performance.now()));
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
    },
  };
}

function FramePanel({ run, panel }: { run: JobRun; panel: Panel }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    const renderer = rendererOf(panel.kind);
    if (!renderer) return setFailure(`This version of the lab cannot draw pictures of kind “${panel.kind}”.`);
    const view = renderer(hostRef.current!, { run, name: panel.name });
    // A malformed frame must cost only its own panel, never the page.
    const update = () => {
      try {
        view.update();
      } catch (error) {
        setFailure(error instanceof Error ? error.message : String(error));
      }
    };
    update();
    const throttled = throttle(update, PICTURE_INTERVAL_MS);
    const unsubscribe = run.subscribe(throttled.call);
    const resize = new ResizeObserver(update);
    resize.observe(hostRef.current!);
    return () => {
      unsubscribe();
      throttled.cancel();
      resize.disconnect();
      view.destroy();
    };
  }, [run, panel.name, panel.kind]);

  return (
    <section
      class="frame-panel"
      aria-label={`Picture: ${panel.name}`}
      data-frame={panel.name}
      data-kind={panel.kind}
    >
      <h3>{title(panel)}</h3>
      {failure && <FrameFailure message={failure} />}
      <div ref={hostRef} class="frame-host" />
    </section>
  );
}

function FrameFailure({ message }: { message: string }): ComponentChildren {
  return (
    <EmptyState title="This picture could not be drawn.">
      <p>{message}</p>
    </EmptyState>
  );
}

function title(panel: Panel): string {
  const name = panel.name.replace(/_/g, " ");
  return name.charAt(0).toUpperCase() + name.slice(1);
}
