/** The metrics chart with its toolbar (zoom, pan, log scale), legend and list of live changes. */

import "uplot/dist/uPlot.min.css";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { formatNumber } from "../run/paramDiff";
import { LineSwatch } from "./LineSwatch";
import { type CursorReadout, LiveChart } from "./liveChart";
import type { ChartSource } from "./source";

interface Props {
  source: ChartSource;
  label: string;
  yLabel?: string;
  height?: number;
  /** Whether the log-scale toggle starts on. */
  logScale?: boolean;
  /** Whether to list the live changes under the chart (a run's marks are on all its charts,
   * but their list is needed once). */
  listChanges?: boolean;
  /** Shown while there is nothing to draw. */
  empty: ComponentChildren;
  /** A click on the plot at this step (`slack`: steps a few pixels span); absent: clicks do nothing. */
  onPickStep?: (step: number, slack: number) => void;
}

const KEY_ACTIONS: Record<string, (chart: LiveChart) => void> = {
  ArrowLeft: (chart) => chart.pan(-0.25),
  ArrowRight: (chart) => chart.pan(0.25),
  "+": (chart) => chart.zoom(0.5),
  "=": (chart) => chart.zoom(0.5),
  "-": (chart) => chart.zoom(2),
  "0": (chart) => chart.showAll(),
};

export function MetricsChart({
  source,
  label,
  yLabel = "value",
  height = 280,
  logScale: logScaleAtFirst = false,
  listChanges = true,
  empty,
  onPickStep,
}: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<LiveChart | null>(null);
  const [logScale, setLogScale] = useState(logScaleAtFirst);
  const [cursor, setCursor] = useState<CursorReadout | null>(null);
  const [, setVersion] = useState(0);
  const pickRef = useRef(onPickStep);
  pickRef.current = onPickStep;
  const pickable = onPickStep !== undefined;

  useEffect(() => {
    const live = new LiveChart(hostRef.current!, source, {
      height,
      yLabel,
      onCursor: setCursor,
      onPick: pickable ? (step, slack) => pickRef.current?.(step, slack) : undefined,
    });
    setChart(live);
    live.refresh();
    const unsubscribe = source.subscribe(() => {
      live.refresh();
      setVersion((n) => n + 1);
    });
    return () => {
      unsubscribe();
      live.destroy();
    };
  }, [source, height, yLabel, pickable]);

  useEffect(() => chart?.setLogScale(logScale), [chart, logScale]);

  const lines = source.lines().filter((line) => line.series.length > 0);
  const marks = source.marks();
  const rerender = () => setVersion((n) => n + 1);
  const act = (action: (chart: LiveChart) => void) => {
    if (!chart) return;
    action(chart);
    rerender();
  };

  return (
    <div class="metrics-chart">
      <div class="chart-toolbar" role="toolbar" aria-label={`${label}: view`}>
        <button type="button" onClick={() => act((c) => c.zoom(0.5))} disabled={!lines.length}>
          Zoom in
        </button>
        <button type="button" onClick={() => act((c) => c.zoom(2))} disabled={!lines.length}>
          Zoom out
        </button>
        <button
          type="button"
          aria-label="Pan left"
          onClick={() => act((c) => c.pan(-0.25))}
          disabled={!chart || chart.following}
        >
          ←
        </button>
        <button
          type="button"
          aria-label="Pan right"
          onClick={() => act((c) => c.pan(0.25))}
          disabled={!chart || chart.following}
        >
          →
        </button>
        <button type="button" onClick={() => act((c) => c.showAll())} disabled={!chart || chart.following}>
          Show all
        </button>
        <label class="toggle">
          <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.currentTarget.checked)} />
          Log scale
        </label>
      </div>
      <div
        ref={hostRef}
        class="chart-host"
        tabIndex={0}
        role="img"
        aria-label={`${label}. Drag across it to zoom in; with the keyboard, + and − zoom, arrow keys pan, 0 shows all.${
          pickable ? " Click a step to fork the run from the saved step at or before it." : ""
        }`}
        onKeyDown={(event) => {
          const action = KEY_ACTIONS[event.key];
          if (!action) return;
          event.preventDefault();
          act(action);
        }}
        style={{ minHeight: `${height}px` }}
      />
      {!lines.length && <div class="chart-empty">{empty}</div>}
      {lines.length > 0 && (
        <ul class="chart-legend" aria-label={`${label}: lines`}>
          {lines.map((line) => {
            const value = cursor ? cursor.values.get(line.key) : line.series.lastY;
            return (
              <li key={line.key}>
                <button
                  type="button"
                  aria-pressed={!chart?.isHidden(line.key)}
                  title="Show or hide this line"
                  onClick={() => act((c) => c.toggle(line.key))}
                >
                  <LineSwatch color={line.color} dash={line.dash} />
                  <span class="legend-label">{line.label}</span>
                  <span class="legend-value">{value == null ? "–" : formatNumber(value)}</span>
                </button>
              </li>
            );
          })}
          <li class="legend-at">{cursor ? `at step ${cursor.step}` : "latest"}</li>
        </ul>
      )}
      {listChanges && marks.length > 0 && (
        <ul class="chart-changes" aria-label="Live changes">
          {marks.map((mark) => (
            <li key={`${mark.step}-${mark.label}`} class="param-change" data-step={mark.step}>
              <strong>{mark.label}</strong> from step {mark.step}: {mark.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
