/**
 * The retry loop on its own (no HTTP): attempts counted against maxAttempts, repaired failures
 * retried at once without using one up, full-jitter waits within their bounds, and a signal
 * that ends a backoff wait.
 */
import { describe, expect, it } from 'vitest';
import { OssNetworkError, OssResponseError } from '../lib/errors.ts';
import { backoffDelay, isRetryable, withRetry } from '../lib/oss/retry.ts';

const policy = { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 };
const networkError = () => new OssNetworkError('PutObject', new Error('reset'));
const response = (status: number, ossCode?: string) =>
  new OssResponseError({ status, operation: 'PutObject', ossCode });

describe('withRetry', () => {
  it('makes maxAttempts attempts of a retryable failure', async () => {
    let attempts = 0;
    await expect(
      withRetry(async () => {
        attempts++;
        throw networkError();
      }, policy),
    ).rejects.toThrow(OssNetworkError);
    expect(attempts).toBe(3);
  });

  it('a repaired failure is retried without using up an attempt, once per repair', async () => {
    const seen: number[] = [];
    let repairs = 0;
    await expect(
      withRetry(
        async (n) => {
          seen.push(n);
          throw n === 1 ? response(403, 'RequestTimeTooSkewed') : networkError();
        },
        policy,
        { repair: (e) => e instanceof OssResponseError && repairs++ === 0 },
      ),
    ).rejects.toThrow(OssNetworkError);
    // One repaired attempt plus the three the limit allows.
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('does not retry a final error', async () => {
    let attempts = 0;
    await expect(
      withRetry(async () => {
        attempts++;
        throw response(501, 'NotImplemented');
      }, policy),
    ).rejects.toThrow(OssResponseError);
    expect(attempts).toBe(1);
  });

  it('a signal aborted during a backoff wait ends the call at once', async () => {
    const controller = new AbortController();
    const slow = { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 };
    const started = performance.now();
    const pending = withRetry(
      async () => {
        throw networkError();
      },
      slow,
      {
        signal: controller.signal,
        onRetry: () => controller.abort(new Error('stop')),
      },
    );
    await expect(pending).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('tells onRetry of each retry with its wait', async () => {
    const retries: [number, number][] = [];
    await withRetry(
      async (n) => {
        if (n < 3) throw networkError();
        return 'ok';
      },
      { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
      { onRetry: (_e, attempt, delay) => retries.push([attempt, delay]) },
    );
    expect(retries.map(([a]) => a)).toEqual([1, 2]);
    for (const [, delay] of retries) expect(delay).toBeLessThan(4);
  });
});

describe('the policy', () => {
  it.each([
    [networkError(), true],
    [response(500), true],
    [response(503, 'ServiceUnavailable'), true],
    [response(408), true],
    [response(429), true],
    [response(400, 'RequestTimeout'), true],
    [response(501, 'NotImplemented'), false],
    [response(403, 'AccessDenied'), false],
    [response(404, 'NoSuchUpload'), false],
    [response(200), false],
  ])('%o retryable: %s', (error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it('full jitter stays in [0, min(max, base × 2^n))', () => {
    const limits = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, limits, () => 0)).toBe(0);
    expect(backoffDelay(1, limits, () => 0.999)).toBe(199);
    expect(backoffDelay(2, limits, () => 0.999)).toBe(399);
    expect(backoffDelay(10, limits, () => 0.999)).toBe(999);
  });
});
