/**
 * At most `limit` holders at once, in the shape of p-limit: an active count and a FIFO queue of
 * waiters. A failure rejects every waiter, so nothing waits forever for a slot that a failed
 * upload will never free.
 */
export class CapacityGate {
  readonly limit: number;
  #active = 0;
  #closed: Error | undefined;
  readonly #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('limit must be an integer >= 1');
    this.limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Take a slot now if one is free (and nobody queued before us). */
  tryAcquire(): boolean {
    if (this.#closed || this.#active >= this.limit || this.#waiters.length > 0) return false;
    this.#active++;
    return true;
  }

  /** Resolves with a slot taken; rejects if the gate is closed first. */
  acquire(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Give a slot back; the longest waiter gets it. */
  release(): void {
    if (this.#active === 0) throw new RangeError('release() without a slot taken');
    this.#active--;
    if (this.#closed) return;
    const next = this.#waiters.shift();
    if (next) {
      this.#active++;
      next.resolve();
    }
  }

  /** Reject every waiter, now and later (the upload failed). Slots still held may be released. */
  close(reason: Error): void {
    this.#closed ??= reason;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }
}
