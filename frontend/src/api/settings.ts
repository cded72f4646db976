/**
 * Where the API lives. Same origin by default; a learner (or a deployment that serves the UI
 * from elsewhere) can point the UI at a remote DiveLab API, remembered in localStorage.
 */

const STORAGE_KEY = "divelab.apiBase";

export function storedApiBase(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? "";
  } catch {
    return ""; // storage blocked (private mode, sandboxed iframe): same origin
  }
}

export function storeApiBase(base: string): void {
  const cleaned = normalizeApiBase(base);
  if (cleaned) localStorage.setItem(STORAGE_KEY, cleaned);
  else localStorage.removeItem(STORAGE_KEY);
}

/** "" (same origin) or an absolute http(s) URL without a trailing slash. */
export function normalizeApiBase(base: string): string {
  const trimmed = base.trim().replace(/\/+$/, "");
  if (!trimmed) return "";
  const url = new URL(trimmed);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error("The API address must start with http:// or https://");
  }
  return trimmed;
}

/** The websocket URL for an API path, on the API's host (ws:// or wss:// to match http/https). */
export function websocketUrl(apiBase: string, path: string, pageUrl: string): string {
  const url = new URL(apiBase + path, pageUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}
