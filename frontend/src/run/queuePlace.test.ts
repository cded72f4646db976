import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import type { QueuePlace } from "../api/types";
import { describeQueuePlace, describeWait, ordinal, QueueWatch } from "./queuePlace";

const waiting = (position: number, of: number, seconds: number | null): QueuePlace => ({
  status: "queued",
  position,
  waiting: of,
  estimated_wait_seconds: seconds,
});
const started: QueuePlace = {
  status: "running",
  position: null,
  waiting: null,
  estimated_wait_seconds: null,
};

describe("describeQueuePlace", () => {
  it("says the place, how many wait, and about how long", () => {
    expect(describeQueuePlace(waiting(3, 7, 130))).toBe("3rd in line (of 7) · about 2 min");
    expect(describeQueuePlace(waiting(2, 2, 20))).toBe("2nd in line (of 2) · under a minute");
  });

  it("calls the first place next, and leaves out “of 1”", () => {
    expect(describeQueuePlace(waiting(1, 1, 0))).toBe("Next in line · under a minute");
    expect(describeQueuePlace(waiting(1, 4, 70))).toBe("Next in line (of 4) · about 1 min");
  });

  it("says nothing of a wait it cannot estimate, nor of a job that is not waiting", () => {
    expect(describeQueuePlace(waiting(5, 9, null))).toBe("5th in line (of 9)");
    expect(describeQueuePlace(started)).toBeNull();
  });
});

describe("ordinal and describeWait", () => {
  it("writes English ordinals, teens included", () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual([
      "1st",
      "2nd",
      "3rd",
      "4th",
      "11th",
      "12th",
      "13th",
      "21st",
      "22nd",
      "23rd",
      "101st",
      "111th",
    ]);
  });

  it("rounds a wait to what a learner can plan with", () => {
    expect(describeWait(44)).toBe("under a minute");
    expect(describeWait(50)).toBe("about 1 min");
    expect(describeWait(59 * 60)).toBe("about 59 min");
    expect(describeWait(90 * 60)).toBe("about 1.5 h");
    expect(describeWait(3 * 3600 + 100)).toBe("about 3 h");
  });
});

describe("QueueWatch", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("asks every interval while the job waits, and stops once it has started", async () => {
    const answers = [waiting(2, 3, 100), waiting(1, 2, 40), started];
    const fetchPlace = vi.fn(async () => answers.shift()!);
    const seen: QueuePlace[] = [];
    new QueueWatch("j1", (place) => seen.push(place), fetchPlace, 2000).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchPlace).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchPlace).toHaveBeenCalledTimes(3);
    expect(seen.map((place) => place.position)).toEqual([2, 1, null]);
  });

  it("stops asking when the page closes, and for a run that is gone", async () => {
    const fetchPlace = vi.fn(async () => waiting(4, 4, 300));
    const watch = new QueueWatch("j1", () => undefined, fetchPlace, 2000);
    watch.start();
    await vi.advanceTimersByTimeAsync(2000);
    watch.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetchPlace).toHaveBeenCalledTimes(2);

    const gone = vi.fn(async (): Promise<QueuePlace> => {
      throw new ApiError("not found", 404);
    });
    new QueueWatch("j2", () => undefined, gone, 2000).start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(gone).toHaveBeenCalledTimes(1);
  });

  it("tries again after a failure it may recover from (the server restarting)", async () => {
    const fetchPlace = vi
      .fn<(id: string) => Promise<QueuePlace>>()
      .mockRejectedValueOnce(new ApiError("Cannot reach the DiveLab server.", 0))
      .mockResolvedValue(started);
    const seen: QueuePlace[] = [];
    new QueueWatch("j1", (place) => seen.push(place), fetchPlace, 2000).start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toEqual([started]);
  });
});
