import type { BudgetAccount } from './memory-budget.ts';
import type { SegmentPool } from './part-buffer.ts';

/**
 * One stream's reservations against the client's memory budget. A part's whole capacity is
 * claimed before its first byte is copied. When the part is done its segments go to the stream's
 * pool for reuse, so the budget keeps backing what the pool holds (`slack`) and gets the rest
 * back; the next part claims that slack first, since it will fill the pooled segments first.
 */
export class PartReservations {
  readonly #account: BudgetAccount;
  readonly #pool: SegmentPool;
  /** Reserved bytes no live part claims: they back the pool's free segments. */
  #slack = 0;

  constructor(account: BudgetAccount, pool: SegmentPool) {
    this.#account = account;
    this.#pool = pool;
  }

  /** Claim `capacity` for a new part; returns the bytes still to reserve from the budget. */
  claim(capacity: number): number {
    const used = Math.min(this.#slack, capacity);
    this.#slack -= used;
    return capacity - used;
  }

  /** Reserve now, if the budget has room and nobody waits; throws if it can never fit. */
  tryReserve(bytes: number): boolean {
    return bytes === 0 || this.#account.tryReserve(bytes);
  }

  reserve(bytes: number): Promise<void> {
    return this.#account.reserve(bytes);
  }

  /**
   * A claim that opened no part: its reservation of `needed` failed, or was granted (`granted`)
   * after the stream stopped. What came from the slack goes back to it.
   */
  unclaim(capacity: number, needed: number, granted: boolean): void {
    this.#slack += capacity - needed;
    if (granted) this.#account.release(needed);
    this.#trim();
  }

  /** A part is done: keep what backs the pool, give the rest back. */
  release(capacity: number): void {
    this.#slack += capacity;
    this.#trim();
  }

  #trim(): void {
    const excess = this.#slack - this.#pool.size;
    if (excess > 0) {
      this.#slack -= excess;
      this.#account.release(excess);
    }
  }

  /** The stream failed: reject its waiting reservation. */
  close(reason: Error): void {
    this.#account.close(reason);
  }

  /** The stream is over: drop the pool and give every reserved byte back. */
  releaseAll(): void {
    this.#pool.clear();
    this.#slack = 0;
    this.#account.release(this.#account.held);
  }
}
