import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GridMessage } from "../api/types";
import { CLOSE_UNAUTHORIZED, type SocketLike } from "../run/jobStream";
import { CLOSE_NOT_YOURS, CLOSE_TOO_MANY_STREAMS, type GridConnection, GridSocket } from "./gridSocket";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  closedByClient = false;
  open() {
    this.onopen?.({});
  }
  send(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number, reason = "") {
    this.onclose?.({ code, reason });
  }
  close() {
    this.closedByClient = true;
  }
}

const grid: GridMessage = { type: "grid", demo: "mlp", metrics: [], learners: [] };

function harness() {
  const sockets: FakeSocket[] = [];
  const messages: GridMessage[] = [];
  const states: GridConnection[] = [];
  const socket = new GridSocket({
    url: "ws://lab/api/classes/c1/grid?demo=mlp",
    onMessage: (message) => messages.push(message),
    onState: (state) => states.push(state),
    openSocket: () => {
      const fake = new FakeSocket();
      sockets.push(fake);
      return fake;
    },
    silenceMs: 40_000,
    backoffMs: (attempt) => 1000 * attempt,
  });
  socket.start();
  return { socket, sockets, messages, states, last: () => sockets.at(-1)! };
}

describe("GridSocket", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("delivers grid messages, not heartbeats, and says it is live once", () => {
    const { last, messages, states } = harness();
    last().open();
    last().send(grid);
    last().send({ type: "heartbeat", ts: 1 });
    last().send(grid);
    expect(messages).toEqual([grid, grid]);
    expect(states).toEqual([{ kind: "connecting" }, { kind: "live" }]);
  });

  it("reconnects after a drop with a growing backoff, reset once the server speaks", () => {
    const { sockets, last, states } = harness();
    last().drop(1006);
    expect(states.at(-1)).toEqual({
      kind: "reconnecting",
      attempt: 1,
      delayMs: 1000,
      reason: "the connection was lost",
    });
    vi.advanceTimersByTime(1000);
    last().drop(CLOSE_TOO_MANY_STREAMS);
    expect(states.at(-1)).toMatchObject({
      attempt: 2,
      delayMs: 2000,
      reason: "the server has too many open streams",
    });
    vi.advanceTimersByTime(2000);
    expect(sockets).toHaveLength(3);
    last().open();
    last().send(grid);
    last().drop(1006);
    expect(states.at(-1)).toMatchObject({ attempt: 1, delayMs: 1000 });
  });

  it("reconnects when the server goes silent past its heartbeats", () => {
    const { sockets, last, states } = harness();
    last().open();
    vi.advanceTimersByTime(39_000);
    last().send({ type: "heartbeat", ts: 1 });
    vi.advanceTimersByTime(39_000);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(states.at(-1)).toMatchObject({ kind: "reconnecting", reason: "the server went silent" });
    expect(sockets[0].closedByClient).toBe(true);
  });

  it("gives up on a class that is not the instructor's, and on a lapsed sign-in", () => {
    const refused = harness();
    refused.last().drop(CLOSE_NOT_YOURS, "There is no class 'c1'.");
    vi.advanceTimersByTime(60_000);
    expect(refused.sockets).toHaveLength(1);
    expect(refused.states.at(-1)).toEqual({ kind: "refused", reason: "There is no class 'c1'." });

    const signedOut = harness();
    signedOut.last().drop(CLOSE_UNAUTHORIZED);
    vi.advanceTimersByTime(60_000);
    expect(signedOut.sockets).toHaveLength(1);
    expect(signedOut.states.at(-1)).toEqual({ kind: "unauthorized" });
  });

  it("stops for good when the page goes away", () => {
    const { socket, sockets, last } = harness();
    last().open();
    socket.stop();
    vi.advanceTimersByTime(120_000);
    expect(sockets).toHaveLength(1);
    expect(sockets[0].closedByClient).toBe(true);
  });
});
