import type { BudgetAccount } from './memory-budget.ts';
import type { SegmentPool } from './part-buffer.ts';

/**
 * One stream's reservations against the client's memory budget: a part's whole capacity is
 * reserved before its first byte is copied and given back once the part is done.
 *
 * The stream's segment pool must never hold memory the budget does not back, nor hold budget
 * back while the stream is not about to use it (streams keeping reservations for later while
 * all of them waited deadlocked). So a done part's segments are kept only for the part being
 * filled (its room is already reserved) and, when the writer is waiting for the very slot the
 * done part frees, for the next part: its reservation is carried over instead of given back,
 * and that part opens at once.
 */
export class PartReservations {
  readonly #account: BudgetAccount;
  readonly #pool: SegmentPool;
  /** Reserved for the part the writer opens next (at most one part's worth). */
  #carried = 0;

  constructor(account: BudgetAccount, pool: SegmentPool) {
    this.#account = account;
    this.#pool = pool;
  }

  /** Reserve now, if the budget has room and nobody waits; throws if it can never fit. */
  tryReserve(capacity: number): boolean {
    const needed = Math.max(0, capacity - this.#carried);
    if (needed > 0 && !this.#account.tryReserve(needed)) return false;
    this.#useCarried(capacity);
    return true;
  }

  async reserve(capacity: number): Promise<void> {
    const needed = Math.max(0, capacity - this.#carried);
    if (needed > 0) await this.#account.reserve(needed);
    this.#useCarried(capacity);
  }

  /** Carried bytes beyond what the new part takes go back to the budget. */
  #useCarried(capacity: number): void {
    const extra = Math.max(0, this.#carried - capacity);
    this.#carried = 0;
    if (extra > 0) this.#account.release(extra);
  }

  /**
   * A part of `capacity` is done (sent, failed or discarded) and its segments are back in the
   * pool. `room`: bytes the part being filled has reserved but not filled yet; `next`: the
   * capacity of the part the writer opens as soon as this one's slot is free (0 if none).
   */
  release(capacity: number, room: number, next = 0): void {
    const carry = Math.min(capacity, Math.max(0, next - this.#carried));
    this.#carried += carry;
    this.#pool.trimTo(room + this.#carried);
    this.#account.release(capacity - carry);
  }

  /** The stream failed: reject its waiting reservation. */
  close(reason: Error): void {
    this.#account.close(reason);
  }

  /** The stream is over: drop the pool and give every reserved byte back. */
  releaseAll(): void {
    this.#pool.clear();
    this.#carried = 0;
    this.#account.release(this.#account.held);
  }
}
