/**
 * close() lets requests in flight finish and then releases the sockets; destroy() aborts them.
 * After either, every new request is refused with ERR_OSS_CLIENT_CLOSED before anything is sent.
 * Requests are held in flight by the emulator's stall fault until the spec has acted.
 */
import { describe, expect, it, vi } from 'vitest';
import { OssAbortError, OssClientClosedError } from '../lib/errors.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { BUCKET, useOss } from './helpers/oss.ts';
import { startScriptedServer, xml } from './helpers/scripted-server.ts';

const oss = useOss();

function transport(endpoint = oss.emulator.endpoint): OssTransport {
  return new OssTransport({
    endpoint,
    bucket: BUCKET,
    region: oss.emulator.region,
    credentials: oss.emulator.credentials,
    retry: { maxAttempts: 1 },
  });
}

describe('close()', () => {
  it('waits for a request in flight, which succeeds, then refuses new ones', async () => {
    const t = transport();
    oss.emulator.faults.add({ operation: 'PutObject', kind: 'stall', ms: 400 });
    const events: string[] = [];
    const put = t.putObject('in-flight', Buffer.from('x')).then(() => events.push('put'));
    await vi.waitFor(() => expect(oss.emulator.stats.requests.PutObject).toBe(1));
    const closed = t.close().then(() => events.push('closed'));
    const refused = await t.headObject('in-flight').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OssClientClosedError);
    expect((refused as OssClientClosedError).code).toBe('ERR_OSS_CLIENT_CLOSED');
    await Promise.all([put, closed]);
    expect(events).toEqual(['put', 'closed']);
    expect(oss.emulator.stats.requests.HeadObject).toBe(0);
    expect(await oss.emulator.getObject(BUCKET, 'in-flight')).toEqual(Buffer.from('x'));
  });

  it('releases its keep-alive sockets', async () => {
    const server = await startScriptedServer((_req, res) =>
      xml(res, 200, '', { etag: '"9DD4E461268C8034F5C8564E155C67A6"' }),
    );
    try {
      const t = transport(server.endpoint);
      await t.putObject('k', Buffer.from('x'));
      expect(server.openSockets()).toBe(1);
      await t.close();
      await vi.waitFor(() => expect(server.openSockets()).toBe(0));
    } finally {
      await server.close();
    }
  });

  it('waits for a GetObject body until it is read to the end or destroyed', async () => {
    const t = transport();
    await t.putObject('body', Buffer.alloc(1024, 1));
    const { body } = await t.getObject('body');
    let closed = false;
    const closing = t.close().then(() => {
      closed = true;
    });
    // The body is still open: close() must not have resolved, whatever else has run.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    await closing;
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(1024, 1));
  });

  it('lets a call in flight finish its retries and the HEAD that confirms a lost answer', async () => {
    const t = new OssTransport({
      endpoint: oss.emulator.endpoint,
      bucket: BUCKET,
      region: oss.emulator.region,
      credentials: oss.emulator.credentials,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const { uploadId } = await t.initiateMultipartUpload('lost-complete');
    const part = await t.uploadPart('lost-complete', uploadId, 1, Buffer.from('only part'));
    // The server completes the upload but the answer never arrives; the retry then finds
    // the upload gone and the object is confirmed by HEAD — all after close() was called.
    oss.emulator.faults.add({ operation: 'CompleteMultipartUpload', kind: 'drop-response' });
    const completing = t.completeMultipartUpload(
      'lost-complete',
      uploadId,
      [{ partNumber: 1, etag: part.etag }],
      { expect: { partCount: 1 } },
    );
    const closing = t.close();
    const result = await completing;
    await closing;
    expect(result.recoveredByHead).toBe(true);
    expect(oss.emulator.stats.requests.CompleteMultipartUpload).toBe(2);
    expect(oss.emulator.stats.requests.HeadObject).toBeGreaterThanOrEqual(1);
  });

  it('resolves at once with nothing in flight, and twice', async () => {
    const t = transport();
    await t.close();
    await t.close();
    await expect(t.putObject('k', Buffer.from('x'))).rejects.toThrow(OssClientClosedError);
  });
});

describe('destroy()', () => {
  it('aborts requests in flight with OssAbortError and refuses new ones', async () => {
    const t = transport();
    oss.emulator.faults.add({ operation: 'PutObject', kind: 'stall', ms: 30_000 });
    const put = t.putObject('destroyed', Buffer.from('x')).catch((e: unknown) => e);
    await vi.waitFor(() => expect(oss.emulator.stats.requests.PutObject).toBe(1));
    const started = performance.now();
    t.destroy();
    expect(await put).toBeInstanceOf(OssAbortError);
    expect(performance.now() - started).toBeLessThan(2000);
    await expect(t.listMultipartUploads({})).rejects.toThrow(OssClientClosedError);
  });

  it('aborts a GetObject body being read', async () => {
    const t = transport();
    const data = Buffer.alloc(4 * 1024 * 1024, 7);
    await t.putObject('big', data);
    const { body } = await t.getObject('big');
    const failed = new Promise((resolve) => body.once('error', resolve));
    t.destroy();
    body.resume();
    expect(await failed).toBeInstanceOf(OssAbortError);
  });
});
