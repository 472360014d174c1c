/**
 * Server-side encryption headers: set at InitiateMultipartUpload, echoed by Initiate, every
 * UploadPart and Complete (as OSS does); refused on UploadPart itself with 400 InvalidArgument.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childOf, textOf } from '../lib/oss/xml.ts';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import { completeUpload, expectStatus, ossRequest } from './helpers/raw-oss.ts';

let emu: Emulator;
let n = 0;
const fresh = () => `sse/${++n}`;
beforeAll(async () => {
  emu = await startEmulator({ buckets: ['test-bucket'] });
});
afterAll(() => emu.close());

const SSE = 'x-oss-server-side-encryption';
const KEY_ID = 'x-oss-server-side-encryption-key-id';
const DATA = 'x-oss-server-side-data-encryption';

const settings: Array<{ name: string; headers: Record<string, string> }> = [
  { name: 'AES256', headers: { [SSE]: 'AES256' } },
  { name: 'KMS with a key id', headers: { [SSE]: 'KMS', [KEY_ID]: 'key-1234' } },
  { name: 'KMS with SM4 data encryption', headers: { [SSE]: 'KMS', [DATA]: 'SM4' } },
];

describe.each(settings)('$name', ({ headers }) => {
  it('is echoed by Initiate, UploadPart and Complete, and shown by HEAD', async () => {
    const key = fresh();
    const init = expectStatus(
      await ossRequest(emu, { method: 'POST', key, query: { uploads: '' }, headers }),
      200,
    );
    const uploadId = textOf(childOf(init.xml, 'InitiateMultipartUploadResult'), 'UploadId')!;
    const part = expectStatus(
      await ossRequest(emu, {
        method: 'PUT',
        key,
        query: { partNumber: '1', uploadId },
        body: 'part',
      }),
      200,
    );
    const done = expectStatus(
      await completeUpload(emu, key, uploadId, [
        { partNumber: 1, etag: String(part.headers['etag']) },
      ]),
      200,
    );
    const head = expectStatus(await ossRequest(emu, { method: 'HEAD', key }), 200);
    for (const res of [init, part, done, head]) {
      for (const name of [SSE, KEY_ID, DATA]) expect(res.headers[name]).toBe(headers[name]);
    }
  });
});

it('no SSE at Initiate: no SSE headers anywhere', async () => {
  const key = fresh();
  const init = expectStatus(
    await ossRequest(emu, { method: 'POST', key, query: { uploads: '' } }),
    200,
  );
  expect(init.headers[SSE]).toBeUndefined();
});

describe('UploadPart refuses SSE headers with 400 InvalidArgument and stores nothing', () => {
  for (const [name, value] of [
    [SSE, 'AES256'],
    [KEY_ID, 'key-1234'],
    [DATA, 'SM4'],
  ] as const) {
    it(name, async () => {
      const key = fresh();
      const init = expectStatus(
        await ossRequest(emu, {
          method: 'POST',
          key,
          query: { uploads: '' },
          headers: { [SSE]: 'KMS' },
        }),
        200,
      );
      const uploadId = textOf(childOf(init.xml, 'InitiateMultipartUploadResult'), 'UploadId')!;
      const res = await ossRequest(emu, {
        method: 'PUT',
        key,
        query: { partNumber: '1', uploadId },
        body: 'part',
        headers: { [name]: value },
      });
      expect(res.status).toBe(400);
      expect(res.error?.['Code']).toBe('InvalidArgument');
      expect(res.error?.['ArgumentName']).toBe(name);
      expect(emu.listUploads('test-bucket').find((u) => u.uploadId === uploadId)?.parts).toBe(0);
    });
  }
});

it('a KMS key id without KMS encryption is 400 InvalidArgument', async () => {
  const res = await ossRequest(emu, {
    method: 'POST',
    key: fresh(),
    query: { uploads: '' },
    headers: { [SSE]: 'AES256', [KEY_ID]: 'key-1234' },
  });
  expect(res.status).toBe(400);
  expect(res.error?.['Code']).toBe('InvalidArgument');
});

it('PutObject echoes the SSE it was given', async () => {
  const res = expectStatus(
    await ossRequest(emu, { method: 'PUT', key: fresh(), body: 'x', headers: { [SSE]: 'AES256' } }),
    200,
  );
  expect(res.headers[SSE]).toBe('AES256');
});
