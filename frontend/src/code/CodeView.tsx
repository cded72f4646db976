/**
 * The demo page's Code tab: the demo's training code (`GET /api/demos/{id}/code`), loaded the
 * first time the tab opens, highlighted once, with an outline of its modules that jumps to each
 * and a Copy button.
 */

import { Fragment } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import { copyText } from "../ui/copy";
import { EmptyState, ErrorState, Loading, useLoad } from "../ui/states";
import { type OutlineEntry, highlight, outline } from "./python";

export function DemoCode({ demoId, title }: { demoId: string; title: string }) {
  const [code, retry] = useLoad(() => api.demoCode(demoId), [demoId]);
  return (
    <section class="code-panel" aria-labelledby="code-title">
      <h2 id="code-title">Training code</h2>
      {code.state === "loading" && <Loading what="the demo's code" />}
      {code.state === "error" && (
        <ErrorState title="The demo's code could not be loaded." error={code.error} onRetry={retry} />
      )}
      {code.state === "ready" &&
        (code.value.trim() ? (
          <CodeView source={code.value} label={`Training code of ${title}`} />
        ) : (
          <EmptyState title="This demo has no code to show." />
        ))}
    </section>
  );
}

function CodeView({ source, label }: { source: string; label: string }) {
  const html = useMemo(() => highlight(source), [source]);
  const files = useMemo(() => outline(source), [source]);
  const lineCount = useMemo(() => source.replace(/\n$/, "").split("\n").length, [source]);
  const preRef = useRef<HTMLPreElement>(null);
  const codeRef = useRef<HTMLElement>(null);

  /** Scroll the code to a line (counted from 0), mark it, and move the focus there. */
  const jump = (line: number) => {
    const pre = preRef.current;
    const target = codeRef.current?.children[line];
    if (!pre || !(target instanceof HTMLElement)) return;
    pre.querySelector(".line-target")?.classList.remove("line-target");
    target.classList.add("line-target");
    pre.scrollTop = target.offsetTop - 6;
    pre.focus({ preventScroll: true });
    pre.scrollIntoView({ block: "nearest" });
  };

  return (
    <div class="code-view">
      <div class="code-toolbar">
        <p class="code-about">
          The demo's modules in one file, {lineCount.toLocaleString("en")} lines
          {files.length > 0 && `, ${files.length} ${files.length === 1 ? "module" : "modules"}`}: what a run
          of it runs. A finished run's <strong>Download script</strong> adds that run's settings and makes it
          a script you can run.
        </p>
        <CopyCode text={source} code={codeRef} />
      </div>
      {files.length > 0 && <Outline files={files} onJump={jump} />}
      <pre class="code-block" ref={preRef} tabIndex={0} role="region" aria-label={label}>
        <Highlighted html={html} codeRef={codeRef} />
      </pre>
    </div>
  );
}

/**
 * The highlighted lines, one element each (`.line`, in order: `children[n]` is line n). Set as
 * HTML once: a long file must not cost a re-render at every click around it.
 */
function Highlighted({ html, codeRef }: { html: string; codeRef: { current: HTMLElement | null } }) {
  const markup = useMemo(() => ({ __html: html }), [html]);
  return <code class="language-python" ref={codeRef} dangerouslySetInnerHTML={markup} />;
}

/** The modules in the file, in order; each a button that jumps to its banner line. */
function Outline({ files, onJump }: { files: OutlineEntry[]; onJump: (line: number) => void }) {
  return (
    <nav class="code-outline" aria-label="Modules in the code">
      <ol>
        {files.map((file) => {
          const slash = file.title.lastIndexOf("/");
          return (
            <li key={file.line}>
              <button
                type="button"
                class="link-button"
                title={`Go to line ${file.line + 1}`}
                onClick={() => onJump(file.line)}
              >
                {slash >= 0 && (
                  <span class="code-outline-dir">
                    {file.title
                      .slice(0, slash + 1)
                      .split("/")
                      .filter(Boolean)
                      .map((part, index) => (
                        // a long path wraps after a slash, never inside a name
                        <Fragment key={index}>
                          {part}/<wbr />
                        </Fragment>
                      ))}
                  </span>
                )}
                <span class="code-outline-name">{file.title.slice(slash + 1)}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** Copy the whole code; where the browser refuses, select it for Ctrl+C instead. */
function CopyCode({ text, code }: { text: string; code: { current: HTMLElement | null } }) {
  const [result, setResult] = useState<"copied" | "failed" | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  const copy = async () => {
    const copied = await copyText(text);
    setResult(copied ? "copied" : "failed");
    if (!copied && code.current) window.getSelection()?.selectAllChildren(code.current);
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => setResult(null), 3000);
  };
  return (
    <div class="code-copy">
      <button type="button" class="copy-button" onClick={() => void copy()}>
        {result === "copied" ? "Copied ✓" : "Copy"}
      </button>
      <span class="copy-result" role="status">
        {result === "copied" && <span class="visually-hidden">The code is copied to the clipboard.</span>}
        {result === "failed" && "Press Ctrl+C (⌘C) to copy the selected code."}
      </span>
    </div>
  );
}
