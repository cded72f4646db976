/** A thin typed client of the REST API; every failure becomes an ApiError a view can show. */

import { storedApiBase } from "./settings";
import type { Artifact, Demo, Job, JobPage, MetricSeries, Params, ValidationIssue } from "./types";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number, // 0: the server could not be reached
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(readonly base: string = storedApiBase()) {}

  demos(): Promise<Demo[]> {
    return this.request("GET", "/api/demos");
  }

  jobs(demo: string, limit: number, offset = 0): Promise<JobPage> {
    const query = new URLSearchParams({ demo, limit: String(limit), offset: String(offset) });
    return this.request("GET", `/api/jobs?${query}`);
  }

  job(id: string): Promise<Job> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}`);
  }

  createJob(demo: string, params: Params): Promise<Job> {
    return this.request("POST", "/api/jobs", { demo, params });
  }

  updateParams(id: string, change: Params): Promise<{ params: Params; version: number }> {
    return this.request("PATCH", `/api/jobs/${encodeURIComponent(id)}/params`, change);
  }

  cancel(id: string): Promise<Job> {
    return this.request("POST", `/api/jobs/${encodeURIComponent(id)}/cancel`);
  }

  metrics(id: string, maxPoints: number): Promise<Record<string, MetricSeries>> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}/metrics?max_points=${maxPoints}`);
  }

  artifacts(id: string): Promise<Artifact[]> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}/artifacts`);
  }

  url(path: string): string {
    return this.base + path;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(`Cannot reach the DiveLab server${this.base ? ` at ${this.base}` : ""}.`, 0);
    }
    if (response.ok) return (await response.json()) as T;
    throw await errorOf(response);
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  let detail: unknown = null;
  try {
    detail = ((await response.json()) as { detail?: unknown }).detail;
  } catch {
    // not JSON (a proxy's error page): fall back to the status line
  }
  if (Array.isArray(detail)) {
    const issues = detail as ValidationIssue[];
    return new ApiError(issues.map((issue) => issue.msg).join("; "), response.status, issues);
  }
  const message = typeof detail === "string" ? detail : `${response.status} ${response.statusText}`;
  return new ApiError(message, response.status);
}

export const api = new ApiClient();
