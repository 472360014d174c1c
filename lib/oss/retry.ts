import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import {
  OssIntegrityError,
  OssNetworkError,
  OssResponseError,
  OssTimeoutError,
} from '../errors.ts';
import type { RetryOptions } from '../validate.ts';

export type { RetryOptions } from '../validate.ts';

/** Service codes that are worth another try (throttling, transient server state). */
const RETRYABLE_CODES = new Set(['RequestTimeout', 'InternalError', 'ServiceUnavailable']);

/**
 * What is worth another attempt: network failures and timeouts before a complete answer,
 * 5xx except 501 (NotImplemented will never work), 408, 429, the transient service codes, and
 * an ETag or CRC-64 that does not match the body just sent (resending the same bytes is safe).
 * Other client errors are final; clock skew and an expired token are repaired by the caller.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OssNetworkError || error instanceof OssTimeoutError) return true;
  if (error instanceof OssIntegrityError) return error.check !== 'object-crc64';
  if (error instanceof OssResponseError) {
    if (error.status === 501 || error.ossCode === 'NotImplemented') return false;
    if (error.status >= 500 || error.status === 408 || error.status === 429) return true;
    return error.ossCode !== undefined && RETRYABLE_CODES.has(error.ossCode);
  }
  return false;
}

/** Full jitter: a uniform wait in [0, min(cap, base × 2^retry)), retry counting from 1. */
export function backoffDelay(retry: number, policy: RetryOptions, random = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry));
}

export interface RetryHooks {
  signal?: AbortSignal | undefined;
  /**
   * Repairs the cause of a failure when it can (clock offset, stale credentials) and says so.
   * A repaired failure is retried at once and does not use up an attempt; each repair works
   * at most once per call, so this cannot loop.
   */
  repair?: ((error: unknown) => boolean) | undefined;
  /** Told of every retry about to happen: the failed attempt's number, the wait before the next. */
  onRetry?: ((error: unknown, attemptNumber: number, delayMs: number) => void) | undefined;
}

/** Run `attempt` under the retry limits: at most `maxAttempts` attempts, repaired ones aside. */
export function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryOptions,
  hooks: RetryHooks = {},
): Promise<T> {
  const repaired = new WeakSet<object>();
  return pRetry(attempt, {
    retries: policy.maxAttempts - 1,
    signal: hooks.signal,
    // p-retry's own randomisation multiplies a delay by [1, 2); full jitter draws from
    // [0, delay), which it cannot express. So p-retry waits nothing and shouldRetry waits
    // the full-jitter delay, with the call's signal, once it has decided to retry.
    minTimeout: 0,
    shouldConsumeRetry: ({ error }) => {
      if (!hooks.repair?.(error)) return true;
      repaired.add(error);
      return false;
    },
    shouldRetry: async ({ error, attemptNumber, retriesConsumed }) => {
      if (repaired.has(error)) {
        hooks.onRetry?.(error, attemptNumber, 0);
        return true;
      }
      if (!isRetryable(error)) return false;
      const wait = backoffDelay(retriesConsumed + 1, policy);
      hooks.onRetry?.(error, attemptNumber, wait);
      if (wait > 0) await delay(wait, undefined, { signal: hooks.signal });
      return true;
    },
  });
}
