import { OssOptionError } from '../errors.ts';

interface Waiter {
  account: BudgetAccount;
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Bytes of part data that every upload of one client may hold together. A part's whole capacity
 * is reserved before its first byte is copied and given back once the server has it, so an upload
 * holding a reservation can always finish its part: no deadlock, whatever the interleaving.
 *
 * Waiters are served first come, first served, except that an upload holding nothing goes before
 * uploads that already hold parts: every upload makes progress, and none starves behind greedy
 * ones. The head of the line is not overtaken by smaller requests, so a large part is not starved
 * by a stream of small ones either.
 */
export class MemoryBudget {
  readonly limit: number;
  #held = 0;
  readonly #waiters: Waiter[] = [];
  #peakHeld = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes reserved right now by all uploads. */
  get held(): number {
    return this.#held;
  }

  /** The most ever reserved at once. */
  get peakHeld(): number {
    return this.#peakHeld;
  }

  /** Bytes that uploads are waiting to reserve. */
  get waiting(): number {
    let total = 0;
    for (const waiter of this.#waiters) total += waiter.bytes;
    return total;
  }

  account(): BudgetAccount {
    return new BudgetAccount(this);
  }

  /** @internal */
  take(account: BudgetAccount, bytes: number): void {
    this.#held += bytes;
    this.#peakHeld = Math.max(this.#peakHeld, this.#held);
    account.add(bytes);
  }

  /** @internal */
  tryTake(account: BudgetAccount, bytes: number): boolean {
    this.#checkSize(bytes);
    if (this.#waiters.length > 0 || this.#held + bytes > this.limit) return false;
    this.take(account, bytes);
    return true;
  }

  /** @internal */
  wait(account: BudgetAccount, bytes: number): Promise<void> {
    this.#checkSize(bytes);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ account, bytes, resolve, reject });
      this.#grant();
    });
  }

  /** @internal */
  give(bytes: number): void {
    this.#held -= bytes;
    this.#grant();
  }

  /** @internal Drop an account's queued request (its upload failed). */
  cancel(account: BudgetAccount, reason: Error): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i] as Waiter;
      if (waiter.account !== account) continue;
      this.#waiters.splice(i, 1);
      waiter.reject(reason);
    }
    this.#grant();
  }

  #checkSize(bytes: number): void {
    if (bytes > this.limit) {
      throw new OssOptionError(
        'memoryLimit',
        `a part of ${bytes} bytes does not fit in the client's memoryLimit of ${this.limit} bytes`,
      );
    }
  }

  #grant(): void {
    while (this.#waiters.length > 0) {
      const starving = this.#waiters.findIndex((w) => w.account.held === 0);
      const index = starving === -1 ? 0 : starving;
      const next = this.#waiters[index] as Waiter;
      if (this.#held + next.bytes > this.limit) return;
      this.#waiters.splice(index, 1);
      this.take(next.account, next.bytes);
      next.resolve();
    }
  }
}

/** One upload's share of a MemoryBudget. */
export class BudgetAccount {
  readonly #budget: MemoryBudget;
  #held = 0;
  #closed: Error | undefined;

  constructor(budget: MemoryBudget) {
    this.#budget = budget;
  }

  get held(): number {
    return this.#held;
  }

  /** @internal */
  add(bytes: number): void {
    this.#held += bytes;
  }

  /** Reserve now if the budget allows it and nobody is queued; throws if `bytes` can never fit. */
  tryReserve(bytes: number): boolean {
    if (this.#closed) throw this.#closed;
    return this.#budget.tryTake(this, bytes);
  }

  /** Resolves once `bytes` are reserved; rejects when the account is closed first. */
  reserve(bytes: number): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    try {
      return this.#budget.wait(this, bytes);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  release(bytes: number): void {
    const given = Math.min(bytes, this.#held);
    if (given <= 0) return;
    this.#held -= given;
    this.#budget.give(given);
  }

  /** The upload failed: reject its waiting request and any later one. Parts still held are
   * released as their requests settle (their bytes are in memory until then). */
  close(reason: Error): void {
    this.#closed ??= reason;
    this.#budget.cancel(this, reason);
  }
}
