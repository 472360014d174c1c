/**
 * Conditional GET and HEAD: If-Match and If-Unmodified-Since fail with 412 PreconditionFailed,
 * If-None-Match and If-Modified-Since with 304 Not Modified, in the precedence written down in
 * docs/emulator.md (the RFC 9110 order, which OSS follows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import { expectStatus, ossRequest, type RawResponse } from './helpers/raw-oss.ts';

let emu: Emulator;
let key: string;
let etag: string;
let lastModified: Date;
const other = '"0123456789ABCDEF0123456789ABCDEF"';
const http = (date: Date) => date.toUTCString();
const seconds = (date: Date, delta: number) => new Date(date.getTime() + delta * 1000);

beforeAll(async () => {
  emu = await startEmulator({ buckets: ['test-bucket'] });
  key = 'conditional/object';
  const put = expectStatus(await ossRequest(emu, { method: 'PUT', key, body: 'content' }), 200);
  etag = String(put.headers['etag']);
  lastModified = new Date(String(emu.headObject('test-bucket', key)!.lastModified.toUTCString()));
});
afterAll(() => emu.close());

async function read(method: 'GET' | 'HEAD', headers: Record<string, string>): Promise<RawResponse> {
  return ossRequest(emu, { method, key, headers });
}

function expectPreconditionFailed(res: RawResponse): void {
  expect(res.status, res.body.toString()).toBe(412);
  expect(res.error?.['Code']).toBe('PreconditionFailed');
}

function expectNotModified(res: RawResponse): void {
  expect(res.status, res.body.toString()).toBe(304);
  expect(res.body.length).toBe(0);
  expect(res.headers['etag']).toBe(etag);
  expect(res.headers['last-modified']).toBe(http(lastModified));
}

function expectContent(method: 'GET' | 'HEAD', res: RawResponse): void {
  expect(res.status, res.body.toString()).toBe(200);
  if (method === 'GET') expect(res.body.toString()).toBe('content');
}

describe.each(['GET', 'HEAD'] as const)('%s', (method) => {
  it('If-Match: the ETag (or *) passes, another ETag is 412', async () => {
    expectContent(method, await read(method, { 'if-match': etag }));
    expectContent(method, await read(method, { 'if-match': '*' }));
    expectContent(method, await read(method, { 'if-match': `${other}, ${etag}` }));
    expectPreconditionFailed(await read(method, { 'if-match': other }));
  });

  it('If-None-Match: the ETag (or *) is 304, another ETag passes', async () => {
    expectNotModified(await read(method, { 'if-none-match': etag }));
    expectNotModified(await read(method, { 'if-none-match': '*' }));
    expectContent(method, await read(method, { 'if-none-match': other }));
  });

  it('If-Modified-Since: at or after Last-Modified is 304, before passes, a bad date is ignored', async () => {
    expectNotModified(await read(method, { 'if-modified-since': http(lastModified) }));
    expectNotModified(await read(method, { 'if-modified-since': http(seconds(lastModified, 60)) }));
    expectContent(
      method,
      await read(method, { 'if-modified-since': http(seconds(lastModified, -1)) }),
    );
    expectContent(method, await read(method, { 'if-modified-since': 'not a date' }));
  });

  it('If-Unmodified-Since: at or after Last-Modified passes, before is 412, a bad date is ignored', async () => {
    expectContent(method, await read(method, { 'if-unmodified-since': http(lastModified) }));
    expectPreconditionFailed(
      await read(method, { 'if-unmodified-since': http(seconds(lastModified, -1)) }),
    );
    expectContent(method, await read(method, { 'if-unmodified-since': 'not a date' }));
  });

  it('If-Match decides over If-Unmodified-Since; If-None-Match over If-Modified-Since', async () => {
    const before = http(seconds(lastModified, -1));
    expectContent(method, await read(method, { 'if-match': etag, 'if-unmodified-since': before }));
    expectContent(
      method,
      await read(method, { 'if-none-match': other, 'if-modified-since': http(lastModified) }),
    );
  });

  it('412 wins over 304 when both kinds fail', async () => {
    expectPreconditionFailed(await read(method, { 'if-match': other, 'if-none-match': etag }));
    expectPreconditionFailed(
      await read(method, {
        'if-unmodified-since': http(seconds(lastModified, -1)),
        'if-modified-since': http(lastModified),
      }),
    );
  });

  it('a missing object is 404 whatever the conditions', async () => {
    const res = await ossRequest(emu, {
      method,
      key: 'conditional/missing',
      headers: { 'if-match': '*' },
    });
    expect(res.status).toBe(404);
  });
});

it('HEAD 412 carries the error in x-oss-err', async () => {
  const res = await read('HEAD', { 'if-match': other });
  expect(res.headers['x-oss-err']).toBeTruthy();
  expect(res.body.length).toBe(0);
});

it('conditions are checked before the range', async () => {
  expectPreconditionFailed(await read('GET', { 'if-match': other, range: 'bytes=0-1' }));
  const ranged = await read('GET', { 'if-match': etag, range: 'bytes=0-1' });
  expect(ranged.status).toBe(206);
  expect(ranged.body.toString()).toBe('co');
});
