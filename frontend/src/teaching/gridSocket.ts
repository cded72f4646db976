/**
 * The one websocket of an instructor's live grid. The server sends a message when something
 * changed (at most one a second) and a heartbeat every 15 s; a new connection starts with the
 * whole grid, so a drop costs nothing but the wait: it reconnects with a growing backoff.
 */

import type { GridMessage, Heartbeat } from "../api/types";
import {
  CLOSE_UNAUTHORIZED,
  closeDetached,
  describeClose,
  exponentialBackoff,
  type SocketLike,
} from "../run/jobStream";

/** Not the instructor's class, or no such demo: reconnecting would not help. */
export const CLOSE_NOT_YOURS = 4404;
export const CLOSE_TOO_MANY_STREAMS = 4429;

export type GridConnection =
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "reconnecting"; attempt: number; delayMs: number; reason: string }
  /** 4404: the server's reason says which */
  | { kind: "refused"; reason: string }
  | { kind: "unauthorized" }
  | { kind: "stopped" };

export interface GridSocketOptions {
  url: string;
  onMessage: (message: GridMessage) => void;
  onState: (state: GridConnection) => void;
  openSocket?: (url: string) => SocketLike;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. */
  silenceMs?: number;
  backoffMs?: (attempt: number) => number;
}

const DEFAULT_SILENCE_MS = 40_000; // the server's heartbeat comes every 15 s

export class GridSocket {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private live = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly openSocket: (url: string) => SocketLike;

  constructor(private readonly options: GridSocketOptions) {
    this.openSocket = options.openSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  }

  start(): void {
    this.connect();
  }

  /** Close for good (the page went away). */
  stop(): void {
    this.clearTimers();
    this.dropSocket();
    this.setState({ kind: "stopped" });
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.attempt === 0) this.setState({ kind: "connecting" });
    const socket = this.openSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => this.heard();
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => this.closed(event.code, event.reason);
    socket.onerror = () => undefined; // always followed by close, which decides what to do
  }

  private receive(data: unknown): void {
    let message: GridMessage | Heartbeat;
    try {
      message = JSON.parse(String(data)) as GridMessage | Heartbeat;
    } catch {
      return; // not a grid message; nothing to act on
    }
    // the backoff restarts only once the server has spoken: one that accepts and closes at
    // once must not be hammered
    this.attempt = 0;
    this.heard();
    if (message.type === "grid") this.options.onMessage(message);
  }

  private heard(): void {
    if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(
      () => this.reconnect("the server went silent"),
      this.options.silenceMs ?? DEFAULT_SILENCE_MS,
    );
    if (!this.live) this.setState({ kind: "live" });
  }

  private setState(state: GridConnection): void {
    this.live = state.kind === "live";
    this.options.onState(state);
  }

  private closed(code: number, reason: string): void {
    this.socket = null;
    if (code === CLOSE_NOT_YOURS) return this.finish({ kind: "refused", reason });
    if (code === CLOSE_UNAUTHORIZED) return this.finish({ kind: "unauthorized" });
    if (code === CLOSE_TOO_MANY_STREAMS) return this.reconnect("the server has too many open streams");
    this.reconnect(reason || describeClose(code));
  }

  private reconnect(reason: string): void {
    this.clearTimers();
    this.dropSocket();
    this.attempt += 1;
    const delayMs = (this.options.backoffMs ?? exponentialBackoff)(this.attempt);
    this.setState({ kind: "reconnecting", attempt: this.attempt, delayMs, reason });
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }

  private finish(state: GridConnection): void {
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
}
