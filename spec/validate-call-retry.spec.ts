/**
 * Per-call `retry` on the client's operations is validated like the client's own (an
 * OssOptionError naming `retry.<field>`, nothing sent) and merged with the client's settings:
 * the limits a call does not set are the client's.
 */
import { describe, expect, it } from 'vitest';
import { OssOptionError, OssResponseError } from '../lib/errors.ts';
import type { RetryOptions } from '../lib/validate.ts';
import { useOss } from './helpers/oss.ts';
import { rejectionOf } from './helpers/outcomes.ts';

const oss = useOss({}, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });

function requestsSent(): number {
  return Object.values(oss.emulator.stats.requests).reduce((a, b) => a + b, 0);
}

const rejection = rejectionOf;

describe('per-call retry', () => {
  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ baseDelayMs: Number.NaN }, 'retry.baseDelayMs'],
    [{ maxDelayMs: -1 }, 'retry.maxDelayMs'],
    [{ attempts: 2 }, 'retry.attempts'],
  ])('%j is refused naming %s, before any request', async (retry, option) => {
    const error = await rejection(
      oss.client.headObject('call-retry/k', { retry } as unknown as { retry: never }),
    );
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toBe(option);
    expect(requestsSent()).toBe(0);
  });

  it("limits a call does not set are the client's", async () => {
    oss.emulator.faults.add({
      operation: 'HeadObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      times: Number.POSITIVE_INFINITY,
    });
    // Only the delays are set here: maxAttempts stays the client's 3. (The cast goes once
    // CallOptions.retry is typed Partial<RetryOptions>, as the merge makes it.)
    const retry = { baseDelayMs: 0, maxDelayMs: 0 } as RetryOptions;
    const error = await rejection(oss.client.headObject('call-retry/k', { retry }));
    expect(error).toBeInstanceOf(OssResponseError);
    expect(oss.emulator.stats.requests.HeadObject).toBe(3);
  });
});
