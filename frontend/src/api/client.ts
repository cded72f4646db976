/** A thin typed client of the REST API; every failure becomes an ApiError a view can show. */

import { storedApiBase } from "./settings";
import type {
  Artifact,
  ClassDetail,
  ClassInfo,
  Demo,
  ErrorMessage,
  ForkCreate,
  ImageInfo,
  Job,
  JobPage,
  Join,
  Lineage,
  Me,
  MetricSeries,
  NewToken,
  Params,
  ParamsUpdate,
  PresetOutcome,
  QueuePlace,
  SnapshotList,
  StopOutcome,
  TokenInfo,
  ValidationErrorMessage,
  ValidationIssue,
} from "./types";

type ErrorBody = ErrorMessage | ValidationErrorMessage;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number, // 0: the server could not be reached
    readonly issues: ValidationIssue[] = [],
    /** The API's machine-readable kind of error ("not_found", "conflict"...); null without one. */
    readonly type: string | null = null,
    /** The error body's other fields (`first_step` of a 409 `no_snapshot`...). */
    readonly extra: Readonly<Record<string, unknown>> = {},
    /** A 429's `Retry-After`, in seconds; null without one. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

interface RequestOptions {
  /**
   * A sign-in attempt (a password, a class code): its 401 means wrong credentials, said in the
   * form, not that the session ended.
   */
  signingIn?: boolean;
  /** The answer is text (a Python file), not JSON. */
  text?: boolean;
}

const CLASSES = "/api/classes";

export class ApiClient {
  /**
   * Told of every 401 but a sign-in attempt's: the session ended (or never began), whichever
   * view asked. The app shows the sign-in screen.
   */
  onUnauthorized: ((error: ApiError) => void) | null = null;

  constructor(readonly base: string = storedApiBase()) {}

  /** Who is signed in; 401 in classroom mode when nobody is. */
  me(): Promise<Me> {
    return this.request("GET", "/api/me", undefined, { signingIn: true });
  }

  /** Sign an instructor in: the server sets the session cookie. */
  signIn(name: string, password: string): Promise<void> {
    return this.request("POST", "/api/session", { name, password }, { signingIn: true });
  }

  /** Join a class (or come back to it): the server sets the session cookie. */
  join(body: Join): Promise<void> {
    return this.request("POST", `${CLASSES}/join`, body, { signingIn: true });
  }

  signOut(): Promise<void> {
    return this.request("DELETE", "/api/session", undefined, { signingIn: true });
  }

  classes(): Promise<ClassInfo[]> {
    return this.request("GET", CLASSES);
  }

  createClass(name: string): Promise<ClassInfo> {
    return this.request("POST", CLASSES, { name });
  }

  classDetail(id: string): Promise<ClassDetail> {
    return this.request("GET", `${CLASSES}/${encodeURIComponent(id)}`);
  }

  addRoster(id: string, names: string[]): Promise<ClassDetail> {
    return this.request("POST", `${CLASSES}/${encodeURIComponent(id)}/roster`, { names });
  }

  removeLearner(id: string, learnerId: string): Promise<void> {
    return this.request(
      "DELETE",
      `${CLASSES}/${encodeURIComponent(id)}/learners/${encodeURIComponent(learnerId)}`,
    );
  }

  /** A new invite code and expiry; the old code stops working. */
  renewInvite(id: string): Promise<ClassInfo> {
    return this.request("POST", `${CLASSES}/${encodeURIComponent(id)}/invite`);
  }

  revokeInvite(id: string): Promise<ClassInfo> {
    return this.request("DELETE", `${CLASSES}/${encodeURIComponent(id)}/invite`);
  }

  endClass(id: string): Promise<ClassInfo> {
    return this.request("POST", `${CLASSES}/${encodeURIComponent(id)}/end`);
  }

  /** Put these settings in every learner's form; `start`: also start a run for each of them. */
  pushPreset(id: string, demo: string, params: Params, start: boolean): Promise<PresetOutcome> {
    return this.request("POST", `${CLASSES}/${encodeURIComponent(id)}/preset`, { demo, params, start });
  }

  /** Take the pushed settings back: learners' forms are no longer offered them. */
  withdrawPreset(id: string): Promise<void> {
    return this.request("DELETE", `${CLASSES}/${encodeURIComponent(id)}/preset`);
  }

  /** Stop every waiting and running job of the class's learners. */
  stopAll(id: string): Promise<StopOutcome> {
    return this.request("POST", `${CLASSES}/${encodeURIComponent(id)}/stop`);
  }

  tokens(): Promise<TokenInfo[]> {
    return this.request("GET", "/api/tokens");
  }

  createToken(name: string): Promise<NewToken> {
    return this.request("POST", "/api/tokens", { name });
  }

  revokeToken(id: string): Promise<void> {
    return this.request("DELETE", `/api/tokens/${encodeURIComponent(id)}`);
  }

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

  /** A waiting job's place in the queue and its estimated wait. */
  queuePlace(id: string): Promise<QueuePlace> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}/queue`);
  }

  createJob(demo: string, params: Params): Promise<Job> {
    return this.request("POST", "/api/jobs", { demo, params });
  }

  updateParams(id: string, change: Params): Promise<ParamsUpdate> {
    return this.request("PATCH", `/api/jobs/${encodeURIComponent(id)}/params`, change);
  }

  cancel(id: string): Promise<Job> {
    return this.request("POST", `/api/jobs/${encodeURIComponent(id)}/cancel`);
  }

  metrics(id: string, maxPoints: number): Promise<Record<string, MetricSeries>> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}/metrics?max_points=${maxPoints}`);
  }

  /** The steps a fork of the job can start from, and which params a fork may change. */
  snapshots(id: string): Promise<SnapshotList> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}/snapshots`);
  }

  /** A new job that continues this one after `body.step` (null: now) with `body.params` changed. */
  fork(id: string, body: ForkCreate): Promise<Job> {
    return this.request("POST", `/api/jobs/${encodeURIComponent(id)}/fork`, body);
  }

  /** The run's family: its ancestors still there and every fork below them. */
  lineage(id: string): Promise<Lineage> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}/lineage`);
  }

  /** The demo's training code, its modules in one Python file (the Code tab shows it). */
  demoCode(id: string): Promise<string> {
    return this.request("GET", `/api/demos/${encodeURIComponent(id)}/code`, undefined, { text: true });
  }

  artifacts(id: string): Promise<Artifact[]> {
    return this.request("GET", `/api/jobs/${encodeURIComponent(id)}/artifacts`);
  }

  /** Built-in images (in catalogue order), then uploads (newest first). */
  images(): Promise<ImageInfo[]> {
    return this.request("GET", "/api/images");
  }

  /**
   * Upload an image as multipart form data. XMLHttpRequest rather than fetch: only it reports
   * how much of the body was sent, which `onProgress` receives as a fraction.
   */
  uploadImage(file: Blob, name: string, onProgress?: (fraction: number) => void): Promise<ImageInfo> {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", this.url("/api/images"));
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
      };
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) {
          try {
            resolve(JSON.parse(request.responseText) as ImageInfo);
          } catch {
            reject(new ApiError("The server's answer to the upload was not understood.", request.status));
          }
        } else {
          reject(this.failed(errorOfBody(request.status, request.statusText, request.responseText)));
        }
      };
      request.onerror = () => reject(this.unreachable());
      const form = new FormData();
      form.append("file", file, name);
      request.send(form);
    });
  }

  /** Where an API path is served ("/api/..." on the API's base); an absolute URL stays as it is. */
  url(path: string): string {
    return /^[a-z][a-z\d+.-]*:/i.test(path) ? path : this.base + path;
  }

  private unreachable(): ApiError {
    return new ApiError(`Cannot reach the DiveLab server${this.base ? ` at ${this.base}` : ""}.`, 0);
  }

  /** A failed request's error, after telling `onUnauthorized` of a 401. */
  private failed(error: ApiError, options: RequestOptions = {}): ApiError {
    if (error.status === 401 && !options.signingIn) this.onUnauthorized?.(error);
    return error;
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw this.unreachable();
    }
    if (response.status === 204) return undefined as T;
    if (response.ok) return (await (options.text ? response.text() : response.json())) as T;
    const text = await response.text().catch(() => "");
    const retryAfter = response.headers.get("retry-after");
    throw this.failed(errorOfBody(response.status, response.statusText, text, retryAfter), options);
  }
}

/**
 * The ApiError of a failed response, from the API's `{"detail": ..., "type": ...}` body
 * (`ErrorMessage`, or `ValidationErrorMessage` with a list of issues) when it has one.
 */
export function errorOfBody(
  status: number,
  statusText: string,
  body: string,
  retryAfter: string | null = null,
): ApiError {
  let parsed: Partial<ErrorBody> | null = null;
  try {
    parsed = JSON.parse(body) as Partial<ErrorBody> | null;
  } catch {
    // not JSON (a proxy's error page): fall back to the status line
  }
  const detail: unknown = parsed?.detail;
  const type = typeof parsed?.type === "string" ? parsed.type : null;
  const {
    detail: _detail,
    type: _type,
    ...extra
  } = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  const seconds = retryAfter === null || retryAfter.trim() === "" ? NaN : Number(retryAfter);
  const wait = Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
  if (Array.isArray(detail)) {
    const issues = detail as ValidationIssue[];
    return new ApiError(issues.map((issue) => issue.msg).join("; "), status, issues, type, extra, wait);
  }
  const message = typeof detail === "string" ? detail : `${status} ${statusText}`.trim();
  return new ApiError(message, status, [], type, extra, wait);
}

export const api = new ApiClient();
