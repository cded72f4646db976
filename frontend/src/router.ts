/** Client-side routes over the History API; the server answers every non-API path with the UI. */

import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "catalogue" }
  | { page: "demo"; demoId: string; search: string }
  | { page: "job"; jobId: string }
  /** `?next=`: where to go once signed in */
  | { page: "sign-in"; next: string | null }
  /** a class's invite link, `/join/CODE` */
  | { page: "join"; code: string; next: string | null }
  | { page: "classes" }
  | { page: "class"; classId: string }
  /** an instructor's live grid of a class, for one demo (`?demo=ID`; null: pick one) */
  | { page: "class-grid"; classId: string; demoId: string | null }
  | { page: "tokens" }
  | { page: "not-found"; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(safeDecode);
  const next = new URLSearchParams(search).get("next");
  if (parts.length === 0) return { page: "catalogue" };
  if (parts.length === 2 && parts[0] === "demos") return { page: "demo", demoId: parts[1], search };
  if (parts.length === 2 && parts[0] === "jobs") return { page: "job", jobId: parts[1] };
  if (parts.length === 1 && parts[0] === "sign-in") return { page: "sign-in", next };
  if (parts.length <= 2 && parts[0] === "join") return { page: "join", code: parts[1] ?? "", next };
  if (parts.length === 1 && parts[0] === "classes") return { page: "classes" };
  if (parts.length === 2 && parts[0] === "classes") return { page: "class", classId: parts[1] };
  if (parts.length === 3 && parts[0] === "classes" && parts[2] === "grid")
    return { page: "class-grid", classId: parts[1], demoId: new URLSearchParams(search).get("demo") || null };
  if (parts.length === 1 && parts[0] === "tokens") return { page: "tokens" };
  return { page: "not-found", path: pathname };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a stray "%": the segment as it is
  }
}

const NAVIGATED = "divelab:navigated";

/** Go to a page of the UI (a new history entry), like following a link. */
export function navigate(url: string): void {
  history.pushState(null, "", url);
  window.dispatchEvent(new Event(NAVIGATED));
  window.scrollTo(0, 0);
}

/** Change the current URL without a new page (the params of the form as they change). */
export function replaceUrl(url: string): void {
  if (url !== location.pathname + location.search) history.replaceState(null, "", url);
}

export function useRoute(): Route {
  const current = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/** Links that navigate inside the UI without reloading it (modified clicks open a new tab). */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname === "/docs") return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}
