import { OssAbortError, OssClientClosedError } from '../errors.ts';

/** One call in flight: its signal (the caller's, or destroy()) and the way to say it ended. */
export interface CallTicket {
  readonly signal: AbortSignal;
  leave(): void;
}

/**
 * Counts the calls in flight so that close() can wait for them and destroy() can abort them.
 * Once either has been called, no new call is admitted; a call already admitted keeps its
 * retries and nested requests (the HEAD that confirms a lost Complete answer).
 */
export class CallRegistry {
  readonly #destroyer = new AbortController();
  #active = 0;
  #state: 'open' | 'closing' | 'destroyed' = 'open';
  #idle: PromiseWithResolvers<void> | undefined;

  /**
   * Admit a call, or throw OssClientClosedError naming the operation. A `nested` request is
   * part of a call already admitted and is let through while close() waits for that call.
   */
  enter(operation: string, signal: AbortSignal | undefined, nested = false): CallTicket {
    if (this.#state === 'destroyed' || (this.#state === 'closing' && !nested)) {
      throw new OssClientClosedError(operation);
    }
    this.#active++;
    let left = false;
    return {
      signal: signal ? AbortSignal.any([signal, this.#destroyer.signal]) : this.#destroyer.signal,
      leave: () => {
        if (left) return;
        left = true;
        this.#active--;
        if (this.#active === 0) this.#idle?.resolve();
      },
    };
  }

  get destroyed(): boolean {
    return this.#state === 'destroyed';
  }

  /** Refuse new calls; resolves once every call in flight has ended. */
  close(): Promise<void> {
    if (this.#state === 'open') this.#state = 'closing';
    if (this.#active === 0) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }

  /** Refuse new calls and abort the ones in flight with OssAbortError. */
  destroy(): void {
    this.#state = 'destroyed';
    if (!this.#destroyer.signal.aborted) {
      this.#destroyer.abort(new OssAbortError('The request was aborted: the client was destroyed'));
    }
  }
}
