/**
 * Sends live param changes to a running job. Slider moves come many per second; changes are
 * gathered per top-level param for a short while and sent as one PATCH (a list param goes
 * whole, as the API requires). One PATCH at a time, so an older value can never overtake a
 * newer one on the way to the server.
 */

import type { Params } from "../api/types";

export const LIVE_CHANGE_DELAY_MS = 50;

export class LiveChanges {
  private pending: Params = {};
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sending = false;

  constructor(
    private readonly send: (change: Params) => Promise<unknown>,
    private readonly delayMs = LIVE_CHANGE_DELAY_MS,
  ) {}

  /** `params` is the whole form; `name` the top-level param that changed. */
  change(name: string, params: Params): void {
    this.pending[name] = params[name];
    this.schedule();
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = {};
  }

  private schedule(): void {
    if (this.timer === null && !this.sending) this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  private async flush(): Promise<void> {
    this.timer = null;
    const change = this.pending;
    this.pending = {};
    if (Object.keys(change).length === 0) return;
    this.sending = true;
    try {
      await this.send(change);
    } finally {
      this.sending = false;
      if (Object.keys(this.pending).length > 0) this.schedule();
    }
  }
}
