import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JobEvent } from "../api/types";
import {
  CLOSE_TOO_SLOW,
  CLOSE_UNAUTHORIZED,
  CLOSE_UNKNOWN_JOB,
  JobStream,
  type SocketLike,
  type StreamState,
} from "./jobStream";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  closedByClient = false;
  constructor(readonly url: string) {}
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

const metric = (seq: number): JobEvent => ({
  seq,
  ts: seq,
  type: "metric",
  step: seq,
  values: { loss: 1 / seq },
});
const terminal = (seq: number): JobEvent => ({
  seq,
  ts: seq,
  step: null,
  type: "status",
  status: "succeeded",
  error: null,
  summary: {},
  worker: null,
});

function harness(options: { silenceMs?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const events: JobEvent[] = [];
  const states: StreamState[] = [];
  const stream = new JobStream({
    url: (after) => `ws://lab/api/jobs/j/stream?after=${after}`,
    onEvent: (event) => events.push(event),
    onState: (state) => states.push(state),
    openSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    backoffMs: () => 1000,
    ...options,
  });
  stream.start();
  const socket = () => sockets[sockets.length - 1];
  return { stream, sockets, events, states, socket, seqs: () => events.map((e) => e.seq) };
}

describe("JobStream", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("delivers events in order and ignores heartbeats", () => {
    const h = harness();
    h.socket().open();
    h.socket().send(metric(1));
    h.socket().send({ type: "heartbeat", ts: 1 });
    h.socket().send(metric(2));
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.states.at(-1)).toEqual({ kind: "live" });
  });

  it("after a drop, shows reconnecting and resumes after the last seq without duplicates", () => {
    const h = harness();
    h.socket().open();
    [1, 2, 3].forEach((seq) => h.socket().send(metric(seq)));
    h.socket().drop(1006);
    expect(h.states.at(-1)).toMatchObject({ kind: "reconnecting", attempt: 1, quiet: false });

    vi.advanceTimersByTime(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket().url).toBe("ws://lab/api/jobs/j/stream?after=3");
    h.socket().open();
    // the server may resend what overlaps the cursor; each seq is delivered once
    [2, 3, 4, 5].forEach((seq) => h.socket().send(metric(seq)));
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(h.states.at(-1)).toEqual({ kind: "live" });
  });

  it("finishes on close after the terminal status, without reconnecting", () => {
    const h = harness();
    h.socket().open();
    h.socket().send(metric(1));
    h.socket().send(terminal(2));
    h.socket().drop(1000);
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.states.at(-1)).toEqual({ kind: "finished" });
  });

  it("reconnects when a normal close comes before the terminal status", () => {
    const h = harness();
    h.socket().open();
    h.socket().send(metric(1));
    h.socket().drop(1000);
    vi.advanceTimersByTime(1000);
    expect(h.socket().url).toContain("after=1");
  });

  it("resumes at once and quietly on 1013 (too slow)", () => {
    const h = harness();
    h.socket().open();
    h.socket().send(metric(1));
    h.socket().drop(CLOSE_TOO_SLOW);
    expect(h.states.at(-1)).toMatchObject({ kind: "reconnecting", quiet: true, delayMs: 0 });
    vi.advanceTimersByTime(0);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket().url).toContain("after=1");
  });

  it("gives up on 4404 (unknown job)", () => {
    const h = harness();
    h.socket().drop(CLOSE_UNKNOWN_JOB, "job 'x' does not exist");
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.states.at(-1)).toEqual({ kind: "unknown-job" });
  });

  it("stops for good when the server wants a sign-in (4401): reconnecting would not help", () => {
    const h = harness();
    h.socket().drop(CLOSE_UNAUTHORIZED, "sign in first");
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.states.at(-1)).toEqual({ kind: "unauthorized" });
  });

  it("never delivers across a hole: it resumes from the last seq instead", () => {
    const h = harness();
    h.socket().open();
    h.socket().send(metric(1));
    h.socket().send(metric(3));
    expect(h.seqs()).toEqual([1]);
    expect(h.sockets[0].closedByClient).toBe(true);
    vi.advanceTimersByTime(0);
    expect(h.socket().url).toContain("after=1");
    h.socket().open();
    [2, 3].forEach((seq) => h.socket().send(metric(seq)));
    expect(h.seqs()).toEqual([1, 2, 3]);
  });

  it("delivers across a hole the server says is meant (thinned frames)", () => {
    const h = harness();
    h.socket().open();
    h.socket().send(metric(1));
    h.socket().send({ type: "skipped", until: 4 });
    h.socket().send(metric(5));
    h.socket().send(metric(7)); // a hole nobody announced is still a hole
    expect(h.seqs()).toEqual([1, 5]);
    vi.advanceTimersByTime(0);
    expect(h.socket().url).toContain("after=5");
  });

  it("takes batches: arrays of events and markers, in order", () => {
    const h = harness();
    h.socket().open();
    h.socket().send([metric(1), metric(2), { type: "skipped", until: 4 }, metric(5)]);
    h.socket().send([{ type: "heartbeat", ts: 1 }]);
    h.socket().send([metric(6), metric(8), metric(9)]); // a hole: the rest comes again
    expect(h.seqs()).toEqual([1, 2, 5, 6]);
    vi.advanceTimersByTime(0);
    expect(h.socket().url).toContain("after=6");
  });

  it("reconnects when the server goes silent for longer than a few heartbeats", () => {
    const h = harness({ silenceMs: 5000 });
    h.socket().open();
    h.socket().send(metric(1));
    vi.advanceTimersByTime(4000);
    h.socket().send({ type: "heartbeat", ts: 2 });
    vi.advanceTimersByTime(4000);
    expect(h.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1001);
    expect(h.states.at(-1)).toMatchObject({ kind: "reconnecting", reason: "the server went silent" });
    expect(h.sockets[0].closedByClient).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(h.sockets).toHaveLength(2);
  });

  it("backs off between failed attempts and starts over once the server speaks", () => {
    const delays: number[] = [];
    const sockets: FakeSocket[] = [];
    const stream = new JobStream({
      url: () => "ws://lab",
      onEvent: () => undefined,
      onState: (state) => state.kind === "reconnecting" && delays.push(state.delayMs),
      openSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
    });
    stream.start();
    for (let i = 0; i < 3; i++) {
      sockets.at(-1)!.drop(1006);
      vi.runOnlyPendingTimers();
    }
    sockets.at(-1)!.open();
    sockets.at(-1)!.send(metric(1));
    sockets.at(-1)!.drop(1006);
    expect(delays).toEqual([500, 1000, 2000, 500]);
    stream.stop();
  });

  it("stop() closes the socket and never reconnects", () => {
    const h = harness();
    h.socket().open();
    h.stream.stop();
    expect(h.sockets[0].closedByClient).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.states.at(-1)).toEqual({ kind: "stopped" });
  });
});
