import pRetry from 'p-retry';
import {
  OssIntegrityError,
  OssNetworkError,
  OssResponseError,
  OssTimeoutError,
} from '../errors.ts';

import type { RetryOptions } from '../validate.ts';

// Retry limits and their validation moved to lib/validate.ts; re-exported until callers move.
export {
  RETRY_DEFAULTS as DEFAULT_RETRY,
  type RetryOptions,
  validateRetryOptions,
} from '../validate.ts';

/** Service codes that are worth another try (throttling, transient server state). */
const RETRYABLE_CODES = new Set(['RequestTimeout', 'InternalError', 'ServiceUnavailable']);

/**
 * oss-protocol.md §9.2: network failures and timeouts before a response, 5xx, 408, 429,
 * RequestTimeout, an ETag or CRC-64 that does not match the body just sent. Client errors (4xx) are final, except the
 * clock-skew and expired-token cases, which the client handles itself before asking here.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OssNetworkError || error instanceof OssTimeoutError) return true;
  if (error instanceof OssIntegrityError) return error.check !== 'object-crc64';
  if (error instanceof OssResponseError) {
    if (error.status >= 500 || error.status === 408 || error.status === 429) return true;
    return error.ossCode !== undefined && RETRYABLE_CODES.has(error.ossCode);
  }
  return false;
}

/** Full jitter: a uniform wait in [0, min(cap, base × 2^attempt)). */
export function backoffDelay(attempt: number, policy: RetryOptions, random = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Run `attempt` under the policy. `extraRetry` lets the caller grant one more try for errors it
 * has just repaired (clock offset corrected, credentials refreshed) without a backoff wait.
 */
export function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryOptions,
  signal: AbortSignal | undefined,
  extraRetry: (error: unknown) => boolean = () => false,
  onRetry?: (error: unknown, attemptNumber: number, delayMs: number) => void,
): Promise<T> {
  return pRetry(attempt, {
    // p-retry counts retries, we count attempts; repaired errors may add one more attempt.
    retries: policy.maxAttempts,
    minTimeout: 0,
    signal,
    shouldRetry: async ({ error, attemptNumber }) => {
      if (extraRetry(error)) {
        onRetry?.(error, attemptNumber, 0);
        return true;
      }
      if (attemptNumber >= policy.maxAttempts || !isRetryable(error)) return false;
      const delay = backoffDelay(attemptNumber, policy);
      onRetry?.(error, attemptNumber, delay);
      await sleep(delay, signal);
      return true;
    },
  });
}
