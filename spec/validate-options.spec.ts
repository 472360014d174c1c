/**
 * The validators every option goes through, retry limits (client, upload and per call), and the
 * client options for the HTTP layer and memory. Each refusal is an OssOptionError whose
 * `option` is the full name of what was wrong (`retry.maxAttempts`, `agent.https`, `ca[1]`).
 */
import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { resolveUploadOptions } from '../lib/options.ts';
import { CLIENT_DEFAULTS, resolveClientOptions } from '../lib/oss/client-options.ts';
import {
  boolean,
  integer,
  MAX_TIMER_MS,
  oneOf,
  RETRY_DEFAULTS,
  rejectUnknown,
  stringRecord,
  validateRetryOptions,
} from '../lib/validate.ts';

function refusal(fn: () => unknown): OssOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OssOptionError);
    return error as OssOptionError;
  }
  throw new Error('expected an OssOptionError');
}

function expectRefused(fn: () => unknown, option: string): OssOptionError {
  const error = refusal(fn);
  expect(error.option).toBe(option);
  expect(error.message).toContain(`"${option}"`);
  expect(error.code).toBe('ERR_OSS_INVALID_OPTION');
  return error;
}

describe('validators', () => {
  it('integer: range ends included, fallback for undefined, everything else refused', () => {
    expect(integer(1, 'n', { min: 1, max: 3 })).toBe(1);
    expect(integer(3, 'n', { min: 1, max: 3 })).toBe(3);
    expect(integer(undefined, 'n', { min: 1 }, 7)).toBe(7);
    expect(integer(undefined, 'n', { min: 1 })).toBeUndefined();
    for (const bad of [0, 4, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', null, 2n]) {
      expectRefused(() => integer(bad, 'a.b', { min: 1, max: 3 }), 'a.b');
    }
    expectRefused(() => integer(2 ** 53, 'n', { min: 0 }), 'n');
  });

  it('boolean and oneOf: exact values only', () => {
    expect(boolean(undefined, 'b', true)).toBe(true);
    expect(boolean(false, 'b', true)).toBe(false);
    expectRefused(() => boolean('false', 'b'), 'b');
    expectRefused(() => boolean(0, 'b'), 'b');
    const table = ['x', 'y'] as const;
    expect(oneOf('y', 'o', table)).toBe('y');
    expect(oneOf(undefined, 'o', table, 'x')).toBe('x');
    const error = expectRefused(() => oneOf('X', 'o', table), 'o');
    expect(error.message).toContain("'x', 'y'");
  });

  it('stringRecord: names each bad entry, drops undefined values', () => {
    expect(stringRecord({ a: '1', b: undefined }, 'm')).toEqual({ a: '1' });
    expect(stringRecord(undefined, 'm')).toEqual({});
    expectRefused(() => stringRecord({ a: 1 }, 'm'), 'm.a');
    expectRefused(() => stringRecord('a=1', 'm'), 'm');
    expectRefused(() => stringRecord(['a'], 'm'), 'm');
  });

  it('rejectUnknown names the nested option', () => {
    expectRefused(() => rejectUnknown({ a: 1, zz: 2 }, { a: 0 }, 'parent'), 'parent.zz');
    expectRefused(() => rejectUnknown({ toString: 1 }, {}), 'toString');
  });
});

describe('retry limits', () => {
  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ maxAttempts: -1 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
    [{ maxAttempts: Number.POSITIVE_INFINITY }, 'retry.maxAttempts'],
    [{ maxAttempts: 101 }, 'retry.maxAttempts'],
    [{ baseDelayMs: -1 }, 'retry.baseDelayMs'],
    [{ baseDelayMs: Number.NaN }, 'retry.baseDelayMs'],
    [{ maxDelayMs: '20000' }, 'retry.maxDelayMs'],
    // Longer than setTimeout can wait: Node would fire it at once, so the backoff would vanish.
    [{ maxDelayMs: MAX_TIMER_MS + 1 }, 'retry.maxDelayMs'],
    [{ tries: 3 }, 'retry.tries'],
    [null, 'retry'],
    [3, 'retry'],
  ])('refuses %j naming %s', (retry, option) => {
    expectRefused(() => validateRetryOptions(retry, 'retry'), option);
    expectRefused(() => resolveUploadOptions({ retry }), option);
    expectRefused(() => resolveClientOptions({ ...clientBase, retry }), option);
  });

  it('takes the limits not given (or given as undefined) from the base, and returns a copy', () => {
    const base = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1000 };
    const merged = validateRetryOptions({ baseDelayMs: 10, maxDelayMs: undefined }, 'retry', base);
    expect(merged).toEqual({ maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 1000 });
    const copy = validateRetryOptions(undefined, 'retry', base);
    expect(copy).toEqual(base);
    expect(copy).not.toBe(base);
    expect(validateRetryOptions(undefined)).toEqual(RETRY_DEFAULTS);
  });

  it('names a per-call retry with the name the caller gives', () => {
    expectRefused(
      () => validateRetryOptions({ maxAttempts: 0 }, 'options.retry'),
      'options.retry.maxAttempts',
    );
  });
});

const clientBase = {
  endpoint: 'http://127.0.0.1:9000',
  bucket: 'test-bucket',
  region: 'cn-hangzhou',
  credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
};

describe('client options', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveClientOptions(clientBase);
    expect(resolved).toMatchObject({
      signatureVersion: 'v4',
      timeoutMs: 60_000,
      retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 20_000 },
      agent: undefined,
      ca: undefined,
      proxy: undefined,
      memoryLimit: 512 * 1024 * 1024,
    });
    expect(CLIENT_DEFAULTS.memoryLimit).toBe(536_870_912);
  });

  it('accepts undefined for every optional option (exactOptionalPropertyTypes callers)', () => {
    const resolved = resolveClientOptions({
      ...clientBase,
      signatureVersion: undefined,
      pathStyle: undefined,
      timeoutMs: undefined,
      retry: undefined,
      agent: undefined,
      ca: undefined,
      proxy: undefined,
      memoryLimit: undefined,
    });
    expect(resolved.memoryLimit).toBe(536_870_912);
    expect(resolved.pathStyle).toBe(true);
  });

  it('takes agents, CAs, a proxy and a memory limit', () => {
    const agent = { http: new http.Agent(), https: new https.Agent() };
    const resolved = resolveClientOptions({
      ...clientBase,
      agent,
      ca: ['-----BEGIN CERTIFICATE-----\n…', Buffer.from('pem')],
      proxy: 'http://user:pass@127.0.0.1:3128',
      memoryLimit: 102_400,
    });
    expect(resolved.agent?.http).toBe(agent.http);
    expect(resolved.agent?.https).toBe(agent.https);
    expect(resolved.ca).toHaveLength(2);
    expect(resolved.proxy).toBe('http://user:pass@127.0.0.1:3128');
    expect(resolved.memoryLimit).toBe(102_400);
    expect(resolveClientOptions({ ...clientBase, proxy: false }).proxy).toBe(false);
    agent.http.destroy();
    agent.https.destroy();
  });

  it.each([
    [{ agent: new https.Agent() }, 'agent'],
    [{ agent: { https: {} } }, 'agent.https'],
    [{ agent: { http: 'keep-alive' } }, 'agent.http'],
    [{ agent: { socks: new http.Agent() } }, 'agent.socks'],
    [{ agent: null }, 'agent'],
    [{ ca: 42 }, 'ca'],
    [{ ca: '' }, 'ca'],
    [{ ca: [] }, 'ca'],
    [{ ca: ['pem', 42] }, 'ca[1]'],
    [{ proxy: true }, 'proxy'],
    [{ proxy: 'not a url' }, 'proxy'],
    [{ proxy: 'socks5://127.0.0.1:1080' }, 'proxy'],
    [{ memoryLimit: 102_399 }, 'memoryLimit'],
    [{ memoryLimit: 1.5e6 + 0.5 }, 'memoryLimit'],
    [{ memoryLimit: '512MiB' }, 'memoryLimit'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: MAX_TIMER_MS + 1 }, 'timeoutMs'],
    [{ signatureVersion: 'V4' }, 'signatureVersion'],
    [{ userAgent: 'x' }, 'userAgent'],
  ])('refuses %j naming %s', (change, option) => {
    expectRefused(() => resolveClientOptions({ ...clientBase, ...change }), option);
  });

  it('never repeats a proxy URL (it may hold a password) in the error', () => {
    const error = refusal(() =>
      resolveClientOptions({ ...clientBase, proxy: 'ftp://user:s3cret-pw@proxy:21' }),
    );
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('s3cret-pw');
    const bad = refusal(() => resolveClientOptions({ ...clientBase, proxy: 'http//s3cret-pw' }));
    expect(bad.message).not.toContain('s3cret-pw');
  });
});
