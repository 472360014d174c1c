/**
 * The request path: what is retried, how per-call retry limits combine with the client's, what
 * a repaired attempt costs, and credentials providers that never answer. Over HTTP against the
 * emulator.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  OssAbortError,
  OssCredentialsError,
  OssOptionError,
  OssResponseError,
} from '../lib/errors.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { BUCKET, useOss } from './helpers/oss.ts';

const oss = useOss();

function transport(options: Record<string, unknown> = {}): OssTransport {
  return new OssTransport({
    endpoint: oss.emulator.endpoint,
    bucket: BUCKET,
    region: oss.emulator.region,
    credentials: oss.emulator.credentials,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

describe('what is retried', () => {
  it('501 NotImplemented is final: one request', async () => {
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 501,
      code: 'NotImplemented',
      times: 3,
    });
    const error = await transport()
      .putObject('k501', Buffer.from('x'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssResponseError);
    expect((error as OssResponseError).status).toBe(501);
    expect(oss.emulator.stats.requests.PutObject).toBe(1);
  });

  it('503 is retried up to maxAttempts', async () => {
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      times: 5,
    });
    await expect(transport().putObject('k503', Buffer.from('x'))).rejects.toThrow(OssResponseError);
    expect(oss.emulator.stats.requests.PutObject).toBe(3);
  });
});

describe('per-call retry limits', () => {
  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
    [{ baseDelayMs: -1 }, 'retry.baseDelayMs'],
    [{ maxDelayMs: Number.NaN }, 'retry.maxDelayMs'],
    [{ attempts: 2 }, 'retry.attempts'],
  ])('%j is refused naming %s, before any request', async (retry, option) => {
    const error = await transport()
      .putObject('bad-retry', Buffer.from('x'), { retry: retry as never })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toBe(option);
    expect(oss.emulator.stats.requests.PutObject).toBe(0);
  });

  it('limits not given per call are the client’s', async () => {
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      times: 4,
    });
    // maxAttempts from the call; the client's 1-5 ms delays stay (not NaN, not the defaults).
    const started = performance.now();
    await transport().putObject('merge', Buffer.from('x'), { retry: { maxAttempts: 5 } });
    expect(oss.emulator.stats.requests.PutObject).toBe(5);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('repaired attempts', () => {
  it('a clock-skew repair does not use up an attempt', async () => {
    oss.emulator.clock.offsetMs = 30 * 60 * 1000;
    const t = transport({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    // The first attempt is refused for the skew; the repaired one meets a 503; one more is left.
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      times: 1,
    });
    const attempts: number[] = [];
    await t.putObject('skew-503', Buffer.from('x'), { onAttempt: (n) => attempts.push(n) });
    expect(attempts).toEqual([1, 2, 3]);
    expect(t.clockOffsetMs).toBeGreaterThan(29 * 60 * 1000);
  });

  it('with maxAttempts 1 nothing is retried, a repair included', async () => {
    oss.emulator.clock.offsetMs = 30 * 60 * 1000;
    const t = transport({ retry: { maxAttempts: 1 } });
    const error = await t.putObject('skew-once', Buffer.from('x')).catch((e: unknown) => e);
    expect((error as OssResponseError).ossCode).toBe('RequestTimeTooSkewed');
    expect(oss.emulator.stats.requests.PutObject).toBe(1);
  });

  it('a skew that the repair does not cure is not repaired again', async () => {
    const t = transport({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 403,
      code: 'RequestTimeTooSkewed',
      times: 10,
    });
    const error = await t.putObject('skew-loop', Buffer.from('x')).catch((e: unknown) => e);
    expect((error as OssResponseError).ossCode).toBe('RequestTimeTooSkewed');
    expect(oss.emulator.stats.requests.PutObject).toBe(2);
  });
});

describe('cancelling', () => {
  it('a bare abort() of a stalled request rejects promptly with OssAbortError', async () => {
    oss.emulator.faults.add({ operation: 'InitiateMultipartUpload', kind: 'stall', ms: 30_000 });
    const controller = new AbortController();
    const pending = transport().initiateMultipartUpload('stalled', { signal: controller.signal });
    await vi.waitFor(() => expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(1));
    const started = performance.now();
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssAbortError);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(1);
  });
});

describe('credentials providers that never answer', () => {
  const never = () => new Promise<never>(() => {});

  it('the request fails with OssCredentialsError once timeoutMs has passed', async () => {
    const t = transport({ credentials: never, timeoutMs: 200 });
    const started = performance.now();
    const error = await t.putObject('hang', Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssCredentialsError);
    expect((error as Error).message).toMatch(/200 ms/);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(oss.emulator.stats.requests.PutObject).toBe(0);
  }, 10_000);

  it('the request signal aborts the wait', async () => {
    const t = transport({ credentials: never, timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = t.putObject('hang', Buffer.from('x'), { signal: controller.signal });
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssAbortError);
  }, 10_000);

  it('a provider that timed out is asked again by the next request', async () => {
    let calls = 0;
    const t = transport({
      timeoutMs: 200,
      credentials: () => {
        calls++;
        return calls === 1 ? never() : oss.emulator.credentials;
      },
    });
    await expect(t.putObject('hang', Buffer.from('x'))).rejects.toThrow(OssCredentialsError);
    await t.putObject('after-hang', Buffer.from('x'));
    expect(calls).toBe(2);
  }, 10_000);
});
