/**
 * The websocket of one job, kept alive until the job has ended.
 *
 * The server sends stored events after `?after=SEQ`, then live ones, and closes with 1000
 * after the terminal status. Whenever the connection drops (network, server restart, 1013
 * "too slow", silence longer than a few heartbeats) this client reconnects with `after=` the
 * last seq it delivered, and delivers each seq exactly once and in order: duplicates are
 * dropped, and a hole triggers a resume from the last delivered seq rather than delivering out
 * of order, unless the server said it is meant (`skipped`: frames thinned out of the stored log).
 */

import type { Heartbeat, JobEvent, Skipped } from "../api/types";
import { TERMINAL_STATUSES } from "../api/types";

type StreamMessage = JobEvent | Heartbeat | Skipped;

export const CLOSE_NORMAL = 1000;
export const CLOSE_TOO_SLOW = 1013;
/** Classroom mode, and no live credential: the session ended (or never began). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_UNKNOWN_JOB = 4404;

export type StreamState =
  | { kind: "connecting" }
  | { kind: "live" }
  /** quiet: a routine resume (the server asked for it), not worth a banner */
  | { kind: "reconnecting"; attempt: number; delayMs: number; reason: string; quiet: boolean }
  | { kind: "finished" }
  | { kind: "unknown-job" }
  /** refused for want of a live sign-in: reconnecting would not help */
  | { kind: "unauthorized" }
  | { kind: "stopped" };

/** The part of the browser's WebSocket this client uses (tests pass a fake). */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface JobStreamOptions {
  /** The websocket URL that resumes after a seq. */
  url: (after: number) => string;
  onEvent: (event: JobEvent) => void;
  onState?: (state: StreamState) => void;
  openSocket?: (url: string) => SocketLike;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. */
  silenceMs?: number;
  /** Delay before reconnect attempt n (1, 2, 3...). */
  backoffMs?: (attempt: number) => number;
}

const DEFAULT_SILENCE_MS = 35_000; // the server's heartbeat defaults to every 10 s

export function exponentialBackoff(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 10_000);
}

export class JobStream {
  private socket: SocketLike | null = null;
  private lastSeq: number;
  private sawTerminal = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private lastHeard = 0;
  private readonly openSocket: (url: string) => SocketLike;

  constructor(
    private readonly options: JobStreamOptions,
    after = 0,
  ) {
    this.lastSeq = after;
    this.openSocket = options.openSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  }

  start(): void {
    this.connect();
  }

  /** Close for good (the view went away); no more events or reconnects. */
  stop(): void {
    this.clearTimers();
    this.dropSocket();
    this.setState({ kind: "stopped" });
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.attempt === 0) this.setState({ kind: "connecting" });
    const socket = this.openSocket(this.options.url(this.lastSeq));
    this.socket = socket;
    socket.onopen = () => {
      this.watchSilence();
      this.setState({ kind: "live" });
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => this.closed(event.code, event.reason);
    socket.onerror = () => undefined; // always followed by close, which decides what to do
  }

  /** A message is one event, or (`batch=true`) an array of several, in order. */
  private receive(data: unknown): void {
    let parsed: StreamMessage | StreamMessage[];
    try {
      parsed = JSON.parse(String(data)) as StreamMessage | StreamMessage[];
    } catch {
      return; // not an event; nothing the learner could act on
    }
    this.watchSilence();
    // Backoff restarts only once the server has said something: a server that accepts and
    // closes at once must not be hammered.
    this.attempt = 0;
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
      if (!this.take(message)) return; // a hole: it reconnects, the rest comes again
    }
  }

  /** Deliver one message; false when it revealed a hole and the stream is reconnecting. */
  private take(message: StreamMessage): boolean {
    if (message.type === "heartbeat") return true;
    if (message.type === "skipped") {
      this.lastSeq = Math.max(this.lastSeq, message.until); // thinned frames: a hole meant
      return true;
    }
    if (message.seq <= this.lastSeq) return true; // already delivered (a resume overlaps)
    if (message.seq > this.lastSeq + 1) {
      this.reconnect(`events after ${this.lastSeq} went missing`, { quiet: true });
      return false;
    }
    this.lastSeq = message.seq;
    if (message.type === "status" && TERMINAL_STATUSES.has(message.status)) this.sawTerminal = true;
    this.options.onEvent(message);
    return true;
  }

  private closed(code: number, reason: string): void {
    this.socket = null;
    if (code === CLOSE_UNKNOWN_JOB) {
      this.finish({ kind: "unknown-job" });
    } else if (code === CLOSE_UNAUTHORIZED) {
      this.finish({ kind: "unauthorized" });
    } else if (this.sawTerminal) {
      this.finish({ kind: "finished" });
    } else if (code === CLOSE_TOO_SLOW) {
      this.reconnect("the server asked to resume", { quiet: true });
    } else {
      this.reconnect(reason || describeClose(code), { quiet: false });
    }
  }

  private reconnect(reason: string, { quiet }: { quiet: boolean }): void {
    this.clearTimers();
    this.dropSocket();
    const attempt = quiet ? 0 : this.attempt + 1;
    this.attempt = attempt;
    const delayMs = quiet ? 0 : (this.options.backoffMs ?? exponentialBackoff)(attempt);
    this.setState({ kind: "reconnecting", attempt, delayMs, reason, quiet });
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }

  /** Notes that the server spoke; one timer checks for silence (not one per message). */
  private watchSilence(): void {
    this.lastHeard = Date.now();
    if (this.silenceTimer === null) this.checkSilenceIn(this.silenceMs);
  }

  private checkSilenceIn(delayMs: number): void {
    this.silenceTimer = setTimeout(() => {
      const quietFor = Date.now() - this.lastHeard;
      if (quietFor >= this.silenceMs) this.reconnect("the server went silent", { quiet: false });
      else this.checkSilenceIn(this.silenceMs - quietFor);
    }, delayMs);
  }

  private get silenceMs(): number {
    return this.options.silenceMs ?? DEFAULT_SILENCE_MS;
  }

  private finish(state: StreamState): void {
    this.clearTimers();
    this.setState(state);
  }

  private dropSocket(): void {
    closeDetached(this.socket);
    this.socket = null;
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
    this.retryTimer = this.silenceTimer = null;
  }

  private setState(state: StreamState): void {
    this.options.onState?.(state);
  }
}

/** Close a socket we are done with, detached first: the close we cause must not be taken for
 * a drop. */
export function closeDetached(socket: SocketLike | null): void {
  if (!socket) return;
  socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
  try {
    socket.close(CLOSE_NORMAL);
  } catch {
    // closing a socket that never opened may throw; it is gone either way
  }
}

export function describeClose(code: number): string {
  if (code === 1006) return "the connection was lost";
  if (code === 1001 || code === 1012) return "the server is restarting";
  return `the connection closed (code ${code})`;
}
