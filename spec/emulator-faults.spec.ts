/**
 * Fault injection and statistics: one test per fault kind (and scoping rule), over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { crc64 } from '../lib/checksum/crc64.ts';
import { childOf, listOf, textOf } from '../lib/oss/xml.ts';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import {
  completeUpload,
  expectStatus,
  initiateUpload,
  md5Hex,
  ossRequest,
  uploadPart,
} from './helpers/raw-oss.ts';

let emu: Emulator;
let counter = 0;
const fresh = () => `faults/${++counter}`;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.faults.clear();
  emu.stats.reset();
});

/** The server notices a closed connection a moment after the client; wait for it to settle. */
async function settled(): Promise<void> {
  await vi.waitFor(() => expect(emu.stats.inFlight).toBe(0), { timeout: 2_000, interval: 5 });
}

function partsOf(uploadId: string): number | undefined {
  return emu.listUploads('test-bucket').find((u) => u.uploadId === uploadId)?.parts;
}

describe('kind: error', () => {
  it('answers the given error instead of the operation, only for the scoped part, once', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    emu.faults.add({
      operation: 'UploadPart',
      partNumber: 2,
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      message: 'Please reduce your request rate.',
      ec: '0026-00000028',
    });
    expect(emu.faults.pending()).toBe(1);
    await uploadPart(emu, key, id, 1, Buffer.from('one'));
    const body = randomBytes(4096);
    const failed = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '2', uploadId: id },
      body,
    });
    expect(failed.status).toBe(503);
    expect(failed.error).toMatchObject({
      Code: 'ServiceUnavailable',
      Message: 'Please reduce your request rate.',
      EC: '0026-00000028',
    });
    expect(partsOf(id)).toBe(1);
    expect(emu.stats.bytesReceived).toBe(3 + 4096); // the failed body was drained
    expect(emu.faults.pending()).toBe(0);
    await uploadPart(emu, key, id, 2, body);
    expect(partsOf(id)).toBe(2);
  });

  it('times: n fails n matching requests; Infinity fails until clear()', async () => {
    emu.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 500,
      code: 'InternalError',
      times: 2,
    });
    const put = () => ossRequest(emu, { method: 'PUT', key: 'times', body: 'x' });
    expect((await put()).status).toBe(500);
    expect((await put()).status).toBe(500);
    expect((await put()).status).toBe(200);

    emu.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 500,
      code: 'InternalError',
      times: Number.POSITIVE_INFINITY,
    });
    expect(emu.faults.pending()).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 3; i++) expect((await put()).status).toBe(500);
    emu.faults.clear();
    expect(emu.faults.pending()).toBe(0);
    expect((await put()).status).toBe(200);
  });

  it('on HEAD the injected error travels in x-oss-err', async () => {
    await ossRequest(emu, { method: 'PUT', key: 'head', body: 'x' });
    emu.faults.add({
      operation: 'HeadObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
    });
    const res = await ossRequest(emu, { method: 'HEAD', key: 'head' });
    expect(res.status).toBe(503);
    expect(res.body.length).toBe(0);
    expect(res.error?.['Code']).toBe('ServiceUnavailable');
  });

  it('rules apply in the order added and only to their operation', async () => {
    emu.faults.add({ operation: 'PutObject', kind: 'error', status: 500, code: 'First' });
    emu.faults.add({ operation: 'PutObject', kind: 'error', status: 503, code: 'Second' });
    emu.faults.add({ operation: 'GetObject', kind: 'error', status: 500, code: 'NotForPut' });
    const put = () => ossRequest(emu, { method: 'PUT', key: 'order', body: 'x' });
    expect((await put()).error?.['Code']).toBe('First');
    expect((await put()).error?.['Code']).toBe('Second');
    expect((await put()).status).toBe(200);
    expect(emu.faults.pending()).toBe(1);
  });

  it('requests that fail authentication do not consume a fault', async () => {
    emu.faults.add({ operation: 'PutObject', kind: 'error', status: 500, code: 'InternalError' });
    const denied = await ossRequest(emu, { method: 'PUT', key: 'auth', body: 'x', sign: false });
    expect(denied.error?.['Code']).toBe('AccessDenied');
    expect(emu.faults.pending()).toBe(1);
  });
});

describe('kind: reset', () => {
  it('destroys the socket after afterBytes body bytes; nothing is stored', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    emu.stats.reset();
    emu.faults.add({ operation: 'UploadPart', kind: 'reset', afterBytes: 50_000 });
    const body = randomBytes(1024 * 1024);
    await expect(
      ossRequest(emu, { method: 'PUT', key, query: { partNumber: '1', uploadId: id }, body }),
    ).rejects.toThrow();
    await settled();
    expect(partsOf(id)).toBe(0);
    expect(emu.stats.bytesReceived).toBeGreaterThanOrEqual(50_000);
    expect(emu.stats.bytesReceived).toBeLessThan(body.length);
    expect(emu.stats.clientAborts).toBe(0); // the emulator cut it, not the client
  });

  it('defaults to half of Content-Length', async () => {
    const key = fresh();
    emu.faults.add({ operation: 'PutObject', kind: 'reset' });
    const body = randomBytes(2 * 1024 * 1024);
    await expect(ossRequest(emu, { method: 'PUT', key, body })).rejects.toThrow();
    await settled();
    expect(emu.stats.bytesReceived).toBeGreaterThanOrEqual(1024 * 1024);
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
  });

  it('resets bodiless requests at once', async () => {
    emu.faults.add({ operation: 'ListMultipartUploads', kind: 'reset' });
    await expect(ossRequest(emu, { method: 'GET', query: { uploads: '' } })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
  });
});

describe('kind: stall', () => {
  it('receives the body, waits ms, then performs the operation normally', async () => {
    const key = fresh();
    emu.faults.add({ operation: 'PutObject', kind: 'stall', ms: 200 });
    const started = Date.now();
    const res = await ossRequest(emu, { method: 'PUT', key, body: 'slow' });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((await emu.getObject('test-bucket', key))?.toString()).toBe('slow');
  });

  it('does nothing if the client gives up during the stall (and counts a client abort)', async () => {
    const key = fresh();
    const controller = new AbortController();
    // The client gives up the moment the stall begins (no timer guessing when that is).
    emu.faults.add({
      operation: 'PutObject',
      kind: 'stall',
      ms: 60_000,
      onFire: () => controller.abort(),
    });
    const started = Date.now();
    await expect(
      ossRequest(emu, { method: 'PUT', key, body: 'gone', signal: controller.signal }),
    ).rejects.toThrow();
    await settled();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
    expect(emu.stats.clientAborts).toBe(1);
  });
});

describe('kind: drop-response', () => {
  it('commits CompleteMultipartUpload, then closes without answering; a retry gets NoSuchUpload', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const etag = await uploadPart(emu, key, id, 1, Buffer.from('committed'));
    emu.faults.add({ operation: 'CompleteMultipartUpload', kind: 'drop-response' });
    await expect(completeUpload(emu, key, id, [{ partNumber: 1, etag }])).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(emu.headObject('test-bucket', key)?.objectType).toBe('Multipart');
    expect(emu.listUploads('test-bucket').some((u) => u.uploadId === id)).toBe(false);
    const retry = await completeUpload(emu, key, id, [{ partNumber: 1, etag }]);
    expect(retry.error?.['Code']).toBe('NoSuchUpload');
    await settled();
    expect(emu.stats.clientAborts).toBe(0);
  });

  it('stores an UploadPart whose answer is dropped', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    emu.faults.add({ operation: 'UploadPart', kind: 'drop-response' });
    await expect(
      ossRequest(emu, { method: 'PUT', key, query: { partNumber: '1', uploadId: id }, body: 'x' }),
    ).rejects.toThrow();
    expect(partsOf(id)).toBe(1);
  });
});

describe('kind: fake-response', () => {
  const errorBody =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>x</Message></Error>';

  it('answers 200 with an <Error> body without performing Complete: the upload stays open', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const etag = await uploadPart(emu, key, id, 1, Buffer.from('part'));
    let fired = 0;
    emu.faults.add({
      operation: 'CompleteMultipartUpload',
      kind: 'fake-response',
      status: 200,
      body: errorBody,
      onFire: () => fired++,
    });
    const res = await completeUpload(emu, key, id, [{ partNumber: 1, etag }]);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.error?.['Code']).toBe('InternalError');
    expect(res.headers['etag']).toBeUndefined();
    expect(fired).toBe(1);
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
    expect(partsOf(id)).toBe(1);
  });

  it('with execute: performs Complete, then answers the fake (HTML, no ETag)', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const etag = await uploadPart(emu, key, id, 1, Buffer.from('part'));
    emu.faults.add({
      operation: 'CompleteMultipartUpload',
      kind: 'fake-response',
      status: 200,
      body: '<html><body>gateway</body></html>',
      contentType: 'text/html',
      execute: true,
    });
    const res = await completeUpload(emu, key, id, [{ partNumber: 1, etag }]);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.body.toString()).toBe('<html><body>gateway</body></html>');
    expect(res.headers['etag']).toBeUndefined();
    expect(emu.headObject('test-bucket', key)?.objectType).toBe('Multipart');
    expect(partsOf(id)).toBeUndefined();
  });
});

describe('kind: delay-response', () => {
  it('performs the operation, fires, holds the answer, then sends it', async () => {
    const key = fresh();
    let firedAt = 0;
    emu.faults.add({
      operation: 'PutObject',
      kind: 'delay-response',
      ms: 150,
      onFire: () => {
        firedAt = Date.now();
        // The object is already stored when the hook runs.
        expect(emu.headObject('test-bucket', key)?.size).toBe(4);
      },
    });
    const res = await ossRequest(emu, { method: 'PUT', key, body: 'held' });
    expect(res.status).toBe(200);
    expect(firedAt).toBeGreaterThan(0);
    expect(Date.now() - firedAt).toBeGreaterThanOrEqual(140);
  });

  it('a client that aborts from onFire leaves the committed result and gets no answer', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const etag = await uploadPart(emu, key, id, 1, Buffer.from('part'));
    const controller = new AbortController();
    emu.faults.add({
      operation: 'CompleteMultipartUpload',
      kind: 'delay-response',
      ms: 60_000,
      onFire: () => controller.abort(),
    });
    const started = Date.now();
    await expect(
      completeUpload(emu, key, id, [{ partNumber: 1, etag }], { signal: controller.signal }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(emu.headObject('test-bucket', key)?.objectType).toBe('Multipart');
    await settled();
    expect(emu.stats.clientAborts).toBe(1);
  });
});

describe('onFire', () => {
  it('stall fires once the body is in, before the wait', async () => {
    const key = fresh();
    const controller = new AbortController();
    let bytesAtFire = -1;
    emu.faults.add({
      operation: 'PutObject',
      kind: 'stall',
      ms: 60_000,
      onFire: () => {
        bytesAtFire = emu.stats.bytesReceived;
        controller.abort();
      },
    });
    await expect(
      ossRequest(emu, { method: 'PUT', key, body: 'x'.repeat(1000), signal: controller.signal }),
    ).rejects.toThrow();
    expect(bytesAtFire).toBe(1000);
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
  });
});

describe('kind: wrong-etag', () => {
  it('UploadPart: answers another ETag; the stored one stays right, so Complete with it fails', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const body = Buffer.from('part body');
    emu.faults.add({ operation: 'UploadPart', kind: 'wrong-etag' });
    const answered = await uploadPart(emu, key, id, 1, body);
    expect(answered).toMatch(/^"[0-9A-F]{32}"$/);
    expect(answered).not.toBe(`"${md5Hex(body)}"`);
    const listed = await ossRequest(emu, { method: 'GET', key, query: { uploadId: id } });
    const part = listOf(childOf(listed.xml, 'ListPartsResult'), 'Part')[0];
    expect(textOf(part, 'ETag')).toBe(`"${md5Hex(body)}"`);
    expect(
      (await completeUpload(emu, key, id, [{ partNumber: 1, etag: answered }])).error?.['Code'],
    ).toBe('InvalidPart');
    expectStatus(
      await completeUpload(emu, key, id, [{ partNumber: 1, etag: `"${md5Hex(body)}"` }]),
      200,
    );
  });

  it('CompleteMultipartUpload: header and XML carry a different ETag of the same shape', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const etag = await uploadPart(emu, key, id, 1, Buffer.from('x'));
    emu.faults.add({ operation: 'CompleteMultipartUpload', kind: 'wrong-etag' });
    const res = expectStatus(await completeUpload(emu, key, id, [{ partNumber: 1, etag }]), 200);
    const real = emu.headObject('test-bucket', key)!.etag;
    expect(res.headers['etag']).toMatch(/^"[0-9A-F]{32}-1"$/);
    expect(res.headers['etag']).not.toBe(real);
    expect(textOf(childOf(res.xml, 'CompleteMultipartUploadResult'), 'ETag')).toBe(
      res.headers['etag'],
    );
  });
});

describe('kind: wrong-crc', () => {
  it('PutObject: answers another x-oss-hash-crc64ecma; HEAD afterwards has the right one', async () => {
    const key = fresh();
    const body = randomBytes(777);
    emu.faults.add({ operation: 'PutObject', kind: 'wrong-crc' });
    const res = expectStatus(await ossRequest(emu, { method: 'PUT', key, body }), 200);
    expect(res.headers['x-oss-hash-crc64ecma']).toMatch(/^\d+$/);
    expect(res.headers['x-oss-hash-crc64ecma']).not.toBe(crc64(body).toString());
    const head = await ossRequest(emu, { method: 'HEAD', key });
    expect(head.headers['x-oss-hash-crc64ecma']).toBe(crc64(body).toString());
  });

  it('CompleteMultipartUpload: the whole-object CRC in the answer is wrong, the stored one right', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const body = randomBytes(300);
    const etag = await uploadPart(emu, key, id, 1, body);
    emu.faults.add({ operation: 'CompleteMultipartUpload', kind: 'wrong-crc' });
    const res = expectStatus(await completeUpload(emu, key, id, [{ partNumber: 1, etag }]), 200);
    expect(res.headers['x-oss-hash-crc64ecma']).not.toBe(crc64(body).toString());
    expect(emu.headObject('test-bucket', key)?.crc64).toBe(crc64(body).toString());
  });
});

describe('rule validation', () => {
  it('rejects unknown operations and kinds, bad times, statuses and durations', () => {
    const bad: unknown[] = [
      { operation: 'Nope', kind: 'reset' },
      { operation: 'PutObject', kind: 'explode' },
      { operation: 'PutObject', kind: 'reset', times: 0 },
      { operation: 'PutObject', kind: 'reset', times: 1.5 },
      { operation: 'PutObject', kind: 'error', status: 200, code: 'X' },
      { operation: 'PutObject', kind: 'error', status: 500 },
      { operation: 'PutObject', kind: 'stall', ms: -1 },
      { operation: 'PutObject', kind: 'reset', afterBytes: -5 },
      { operation: 'PutObject', kind: 'delay-response', ms: Number.NaN },
      { operation: 'PutObject', kind: 'fake-response', status: 42 },
      { operation: 'PutObject', kind: 'fake-response', status: 200, body: 7 },
      { operation: 'PutObject', kind: 'reset', onFire: 'soon' },
    ];
    for (const rule of bad) {
      expect(() => emu.faults.add(rule as Parameters<Emulator['faults']['add']>[0])).toThrow(
        TypeError,
      );
    }
    expect(emu.faults.pending()).toBe(0);
  });
});

describe('stats', () => {
  it('counts requests per operation and body bytes; reset() zeroes them', async () => {
    const key = fresh();
    await ossRequest(emu, { method: 'PUT', key, body: randomBytes(1000) });
    await ossRequest(emu, { method: 'GET', key });
    await ossRequest(emu, { method: 'HEAD', key });
    await ossRequest(emu, { method: 'GET', key: 'missing' });
    expect(emu.stats.requests).toMatchObject({
      PutObject: 1,
      GetObject: 2,
      HeadObject: 1,
      UploadPart: 0,
    });
    expect(emu.stats.bytesReceived).toBe(1000);
    expect(emu.stats.inFlight).toBe(0);
    emu.stats.reset();
    expect(emu.stats.requests.GetObject).toBe(0);
    expect(emu.stats.bytesReceived).toBe(0);
    expect(emu.stats.maxInFlight.all).toBe(0);
  });

  it('maxInFlight records concurrency per operation and overall', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    emu.stats.reset();
    emu.faults.add({ operation: 'UploadPart', kind: 'stall', ms: 150, times: 3 });
    emu.faults.add({ operation: 'PutObject', kind: 'stall', ms: 150 });
    await Promise.all([
      uploadPart(emu, key, id, 1, Buffer.from('1')),
      uploadPart(emu, key, id, 2, Buffer.from('2')),
      uploadPart(emu, key, id, 3, Buffer.from('3')),
      ossRequest(emu, { method: 'PUT', key: `${key}-obj`, body: 'x' }),
    ]);
    expect(emu.stats.maxInFlight.UploadPart).toBe(3);
    expect(emu.stats.maxInFlight.PutObject).toBe(1);
    expect(emu.stats.maxInFlight.all).toBe(4);
    expect(emu.stats.inFlight).toBe(0);
  });

  it('clientAborts counts requests whose client hung up before the answer', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const body = randomBytes(64 * 1024);
    await expect(
      ossRequest(emu, {
        method: 'PUT',
        key,
        query: { partNumber: '1', uploadId: id },
        body,
        partialBody: 1000,
        abortAfterMs: 100,
      }),
    ).rejects.toThrow(/aborted by the test/);
    await settled();
    expect(emu.stats.clientAborts).toBe(1);
    expect(partsOf(id)).toBe(0);
    // The emulator is still healthy afterwards.
    await uploadPart(emu, key, id, 1, body);
  });
});
