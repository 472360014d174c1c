import pRetry from 'p-retry';
import {
  OssIntegrityError,
  OssNetworkError,
  OssOptionError,
  OssResponseError,
  OssTimeoutError,
} from '../errors.ts';

/** Retry limits; the policy itself (what is retried) is fixed by oss-protocol.md §9.2. */
export interface RetryOptions {
  /** Attempts in total, including the first. Default 3. */
  maxAttempts: number;
  /** Base of the exponential backoff in ms. Default 200. */
  baseDelayMs: number;
  /** Cap of one backoff wait in ms. Default 20000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 20_000 };

/** Validate retry limits; the ones not given are taken from `base`. */
export function validateRetryOptions(
  value: unknown,
  option = 'retry',
  base: RetryOptions = DEFAULT_RETRY,
): RetryOptions {
  if (value === undefined) return base;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OssOptionError(option, 'expected an object { maxAttempts, baseDelayMs, maxDelayMs }');
  }
  const given = value as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!(name in DEFAULT_RETRY)) throw new OssOptionError(`${option}.${name}`, 'unknown option');
  }
  const result = { ...base };
  for (const name of Object.keys(DEFAULT_RETRY) as (keyof RetryOptions)[]) {
    const v = given[name];
    if (v === undefined) continue;
    const min = name === 'maxAttempts' ? 1 : 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new OssOptionError(`${option}.${name}`, `expected an integer >= ${min}`);
    }
    result[name] = v;
  }
  return result;
}

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
