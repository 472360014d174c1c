import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it, vi } from 'vitest';
import {
  OssAbortError,
  OssIntegrityError,
  OssResponseError,
  OssUploadError,
} from '../lib/errors.ts';
import type { PartEvent, ProgressEvent } from '../lib/upload-stream.ts';
import {
  generatedSource,
  hashingTap,
  md5,
  md5OfObject,
  patternBytes,
  useOss,
} from './helpers/oss.ts';
import { rejectionOf } from './helpers/outcomes.ts';
import { sourceOf } from './helpers/reliability/sources.ts';

const PART = 102_400;

const oss = useOss();

async function noUploadsLeft(): Promise<void> {
  expect(await oss.client.listMultipartUploads()).toEqual([]);
}

const failure = rejectionOf;

describe('upload stream: byte-identical objects', () => {
  const sizes = [0, 1, PART - 1, PART, PART + 1, 3 * PART, 3 * PART + 7];
  describe.each([1, 4, 16])('concurrency %i', (concurrency) => {
    it.each(sizes)('uploads %i bytes', async (size) => {
      const data = patternBytes(size, size + concurrency);
      const key = `identical/c${concurrency}/${size}`;
      const stream = oss.client.createUploadStream(key, { partSize: PART, concurrency });
      await pipeline(sourceOf(data, { chunkSize: 10_000 }), stream);
      const result = stream.result;
      expect(result).toBeDefined();
      expect(result?.size).toBe(size);
      expect(result?.partCount).toBe(size <= PART ? 1 : Math.ceil(size / PART));
      expect(result?.uploadId === null).toBe(size <= PART);
      const back = await md5OfObject(oss.client, key);
      expect(back).toEqual({ md5: md5(data), size });
      const head = await oss.client.headObject(key);
      expect(head.crc64).toBe(result?.crc64);
      await noUploadsLeft();
    });
  });

  it.each([1, 4, 16])(
    'reaches the concurrency limit %i and never exceeds it',
    async (concurrency) => {
      oss.emulator.stats.reset();
      // Every part is held by the server until the test lets go: the limit is reached by the
      // client's own dispatching, not by a timing window.
      oss.emulator.faults.clear();
      oss.emulator.faults.add({
        operation: 'UploadPart',
        kind: 'stall',
        ms: 120_000,
        times: Number.POSITIVE_INFINITY,
      });
      const stream = oss.client.createUploadStream(`limit/${concurrency}`, {
        partSize: PART,
        concurrency,
      });
      const outcome = failure(pipeline(generatedSource(40 * PART, 64 * 1024), stream));
      await vi.waitFor(() => expect(oss.emulator.stats.inFlight).toBe(concurrency), {
        timeout: 30_000,
        interval: 20,
      });
      expect(stream.partsInFlight).toBe(concurrency);
      // The writer is held: nothing more is dispatched while every slot is taken.
      await new Promise((resolve) => setImmediate(resolve));
      expect(oss.emulator.stats.maxInFlight.UploadPart).toBe(concurrency);
      stream.destroy();
      await outcome;
      oss.emulator.faults.clear();
      await noUploadsLeft();
    },
  );

  it('never exceeds the concurrency limit over a whole upload', async () => {
    for (const concurrency of [1, 4]) {
      oss.emulator.stats.reset();
      oss.emulator.faults.clear();
      oss.emulator.faults.add({
        operation: 'UploadPart',
        kind: 'stall',
        ms: 5,
        times: Number.POSITIVE_INFINITY,
      });
      const stream = oss.client.createUploadStream(`limit-all/${concurrency}`, {
        partSize: PART,
        concurrency,
      });
      await pipeline(generatedSource(20 * PART, 64 * 1024), stream);
      expect(oss.emulator.stats.maxInFlight.UploadPart).toBeLessThanOrEqual(concurrency);
      expect(oss.emulator.stats.requests.UploadPart).toBe(20);
    }
    oss.emulator.faults.clear();
  });

  it.each([1, 4, 16])(
    'streams 1 GiB of unknown length at concurrency %i',
    { timeout: 300_000 },
    async (concurrency) => {
      const size = Number(process.env.OSS_STREAM_BIG_BYTES ?? 1024 ** 3);
      const tap = hashingTap();
      const key = `big/${concurrency}`;
      const stream = oss.client.createUploadStream(key, { concurrency });
      await pipeline(generatedSource(size, 256 * 1024, concurrency), tap, stream);
      expect(stream.result?.size).toBe(size);
      expect(stream.result?.partCount).toBe(Math.ceil(size / (8 * 1024 * 1024)));
      expect(await md5OfObject(oss.client, key)).toEqual({ md5: tap.digest(), size });
      expect(oss.emulator.stats.maxInFlight.UploadPart).toBeLessThanOrEqual(concurrency);
      await oss.client.deleteObject(key);
    },
  );

  it('sizes parts from contentLength when it is known', async () => {
    const data = patternBytes(5 * PART);
    const result = await oss.client.upload('known-length', sourceOf(data, { chunkSize: 65_536 }), {
      partSize: PART,
      contentLength: data.length,
    });
    expect(result.partCount).toBe(5);
    expect(await md5OfObject(oss.client, 'known-length')).toEqual({
      md5: md5(data),
      size: data.length,
    });
  });

  it('fails when the source delivers fewer bytes than contentLength, leaving nothing', async () => {
    const error = await failure(
      oss.client.upload('short-source', sourceOf(patternBytes(3 * PART), { chunkSize: 65_536 }), {
        partSize: PART,
        contentLength: 4 * PART,
      }),
    );
    expect(error).toBeInstanceOf(OssUploadError);
    expect((error as Error).message).toMatch(/contentLength/);
    await noUploadsLeft();
  });

  it('accepts strings with encodings and Uint8Array writes', async () => {
    const stream = oss.client.createUploadStream('mixed-writes', { partSize: PART });
    const done = new Promise((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    stream.write('héllo ', 'utf8');
    stream.write('d29ybGQ=', 'base64');
    stream.write(new Uint8Array([33, 10]));
    stream.end();
    await done;
    expect((await oss.client.getObjectBuffer('mixed-writes')).toString()).toBe('héllo world!\n');
  });
});

describe('upload stream: events', () => {
  it('emits initiated, one part event per part and progress that moves within parts', async () => {
    // Parts of 3 MiB travel as 1 MiB segments, so progress moves while a part is on the wire.
    const PART = 3 * 1024 * 1024;
    const data = patternBytes(4 * PART + 10);
    const stream = oss.client.createUploadStream('events', { partSize: PART, concurrency: 2 });
    const initiated: unknown[] = [];
    const parts: PartEvent[] = [];
    const progress: ProgressEvent[] = [];
    stream.on('initiated', (e) => initiated.push(e));
    stream.on('part', (e: PartEvent) => parts.push(e));
    stream.on('progress', (e: ProgressEvent) => progress.push(e));
    await pipeline(sourceOf(data, { chunkSize: 4096 }), stream);
    expect(initiated).toEqual([{ uploadId: stream.result?.uploadId }]);
    expect(parts.map((p) => p.partNumber).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    for (const part of parts) {
      const slice = data.subarray((part.partNumber - 1) * PART, part.partNumber * PART);
      expect(part.md5).toBe(md5(slice).toUpperCase());
      expect(part.etag).toBe(`"${part.md5}"`);
      expect(part.size).toBe(slice.length);
      expect(part.crc64).toMatch(/^\d+$/);
    }
    const uploaded = progress.map((p) => p.bytesUploaded);
    expect(uploaded.at(-1)).toBe(data.length);
    for (let i = 1; i < uploaded.length; i++)
      expect(uploaded[i]).toBeGreaterThanOrEqual(uploaded[i - 1] as number);
    // Some progress values fall strictly between part boundaries: bytes on the wire count.
    expect(uploaded.some((b) => b % PART !== 0 && b !== data.length)).toBe(true);
    expect(progress.at(-1)?.bytesWritten).toBe(data.length);
  });

  it("emits 'finish' only once the object exists", async () => {
    oss.emulator.faults.add({ operation: 'CompleteMultipartUpload', kind: 'stall', ms: 300 });
    const stream = oss.client.createUploadStream('finish-order', { partSize: PART });
    let existedAtFinish: boolean | undefined;
    let ended = false;
    stream.on('finish', () => {
      existedAtFinish = oss.emulator.headObject('test-bucket', 'finish-order') !== undefined;
    });
    const source = sourceOf(patternBytes(3 * PART), { chunkSize: 65_536 });
    source.on('end', () => {
      ended = true;
    });
    await pipeline(source, stream);
    expect(ended).toBe(true);
    expect(existedAtFinish).toBe(true);
    expect(stream.result?.partCount).toBe(3);
  });
});

describe('upload stream: backpressure and memory', () => {
  it.each([1, 16 * 1024, 1024 * 1024])(
    'holds at most (concurrency + 1) x partSize + highWaterMark with a stalled server (%i-byte writes)',
    async (writeSize) => {
      const concurrency = 2;
      oss.emulator.faults.add({
        operation: 'UploadPart',
        kind: 'stall',
        ms: 60_000,
        times: Number.POSITIVE_INFINITY,
      });
      const stream = oss.client.createUploadStream(`stalled/${writeSize}`, {
        partSize: PART,
        concurrency,
      });
      const bound = (concurrency + 1) * PART + stream.writableHighWaterMark;
      const total = Math.max(8 * PART, 8 * writeSize);
      let produced = 0;
      const source = new Readable({
        highWaterMark: writeSize,
        read() {
          if (produced >= total) return void this.push(null);
          const n = Math.min(writeSize === 1 ? 4096 : writeSize, total - produced);
          produced += n;
          if (writeSize === 1) {
            // Single bytes: the worst case for pinning buffers.
            for (let i = 0; i < n; i++) this.push(Buffer.from([i & 0xff]));
          } else {
            this.push(Buffer.alloc(n, 1));
          }
        },
      });
      const pending = pipeline(source, stream);
      const outcome = pending.then(
        () => 'resolved',
        () => 'rejected',
      );
      const deadline = Date.now() + 5000;
      while (oss.emulator.stats.inFlight < concurrency && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(oss.emulator.stats.inFlight).toBe(concurrency);
      expect(stream.maxBufferedBytes).toBeLessThanOrEqual(bound);
      // The source was slowed down: it did not manage to produce everything.
      expect(produced).toBeLessThan(total);
      expect(stream.writableLength).toBeLessThanOrEqual(stream.writableHighWaterMark + writeSize);
      expect(
        await Promise.race([outcome, new Promise((r) => setTimeout(() => r('pending'), 50))]),
      ).toBe('pending');
      stream.destroy();
      expect(await outcome).toBe('rejected');
      await noUploadsLeft();
    },
  );
});

describe('upload stream: failures leave nothing behind', () => {
  it('source error: aborts the upload and reports one typed error', async () => {
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent >= 3 * PART) return void this.destroy(new Error('disk on fire'));
        sent += 65_536;
        this.push(Buffer.alloc(65_536, 2));
      },
    });
    const error = await failure(oss.client.upload('src-error', source, { partSize: PART }));
    expect(error).toBeInstanceOf(OssUploadError);
    expect((error as OssUploadError).cause).toMatchObject({ message: 'disk on fire' });
    // The Initiate may have been cancelled mid-flight (then uploadId is null): either way the
    // clean-up found and aborted whatever it created.
    expect((error as OssUploadError).cleanedUp).toBe(true);
    await noUploadsLeft();
  });

  it('server error after retries: fails with the part number', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 2,
      kind: 'error',
      status: 500,
      code: 'InternalError',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await failure(
      oss.client.upload('server-error', sourceOf(patternBytes(5 * PART), { chunkSize: 65_536 }), {
        partSize: PART,
      }),
    );
    expect(error).toBeInstanceOf(OssUploadError);
    expect((error as OssUploadError).partNumber).toBe(2);
    expect((error as OssUploadError).cause).toBeInstanceOf(OssResponseError);
    expect(oss.emulator.stats.requests.AbortMultipartUpload).toBe(1);
    await noUploadsLeft();
  });

  it('403 on a part fails at once, without retries', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 1,
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
    });
    const error = await failure(
      oss.client.upload('forbidden', sourceOf(patternBytes(3 * PART), { chunkSize: 65_536 }), {
        partSize: PART,
      }),
    );
    expect((error as OssUploadError).cause).toMatchObject({ ossCode: 'AccessDenied' });
    const part1Attempts = oss.emulator.stats.requests.UploadPart;
    expect(part1Attempts).toBeLessThanOrEqual(3);
    await noUploadsLeft();
  });

  it('signal abort: cancels parts in flight (the server sees the connections close)', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      kind: 'stall',
      ms: 30_000,
      times: Number.POSITIVE_INFINITY,
    });
    const controller = new AbortController();
    const stream = oss.client.createUploadStream('signal-abort', {
      partSize: PART,
      signal: controller.signal,
    });
    const pending = failure(pipeline(generatedSource(20 * PART), stream));
    while (oss.emulator.stats.inFlight < 2) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    controller.abort(new Error('user cancelled'));
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stream.uploadError).toBeInstanceOf(OssUploadError);
    expect(stream.uploadError?.cause).toBeInstanceOf(OssAbortError);
    expect(error).toBeInstanceOf(Error);
    expect(oss.emulator.stats.clientAborts).toBeGreaterThanOrEqual(2);
    await noUploadsLeft();
  });

  it('destroy() without an error: no error event, pipeline rejects, uploadError says aborted, nothing left', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      kind: 'stall',
      ms: 30_000,
      times: Number.POSITIVE_INFINITY,
    });
    const stream = oss.client.createUploadStream('destroyed', { partSize: PART });
    const pending = failure(pipeline(generatedSource(20 * PART), stream));
    while (oss.emulator.stats.inFlight < 1) await new Promise((r) => setTimeout(r, 20));
    const errors: unknown[] = [];
    stream.on('error', (e) => errors.push(e));
    stream.destroy();
    const error = await pending;
    // pipeline() rejects (with Node's premature-close error or the abort that failed the held
    // write); the stream itself emits no 'error'.
    expect(error).toBeInstanceOf(Error);
    expect(stream.uploadError).toBeInstanceOf(OssUploadError);
    expect(stream.uploadError?.cause).toBeInstanceOf(OssAbortError);
    expect(stream.uploadError?.cleanedUp).toBe(true);
    expect(errors).toEqual([]);
    await noUploadsLeft();
  });

  it('an already aborted signal fails before anything is sent', async () => {
    const error = await failure(
      oss.client.upload('pre-aborted', sourceOf(patternBytes(10), { chunkSize: 5 }), {
        signal: AbortSignal.abort(),
      }),
    );
    expect(error).toBeInstanceOf(OssUploadError);
    expect(
      oss.emulator.stats.requests.PutObject + oss.emulator.stats.requests.InitiateMultipartUpload,
    ).toBe(0);
  });

  it('a consumer that stops writing and destroys leaves nothing', async () => {
    const stream = oss.client.createUploadStream('half-written', { partSize: PART });
    stream.write(patternBytes(3 * PART));
    await new Promise((r) => setTimeout(r, 200));
    const errored = new Promise((r) => stream.on('error', r));
    stream.destroy(new Error('gave up'));
    expect(await errored).toBeInstanceOf(OssUploadError);
    expect(stream.uploadError?.cause).toMatchObject({ message: 'gave up' });
    await noUploadsLeft();
  });
});

describe('upload stream: retries and integrity', () => {
  it('recovers from 503s and connection resets on some parts', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 2,
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      times: 2,
    });
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 4,
      kind: 'reset',
      afterBytes: 5000,
    });
    oss.emulator.faults.add({
      operation: 'InitiateMultipartUpload',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
    });
    const data = patternBytes(6 * PART + 3);
    const result = await oss.client.upload('flaky', sourceOf(data, { chunkSize: 65_536 }), {
      partSize: PART,
    });
    expect(result.partCount).toBe(7);
    expect(await md5OfObject(oss.client, 'flaky')).toEqual({ md5: md5(data), size: data.length });
    expect(oss.emulator.stats.requests.UploadPart).toBe(7 + 3);
  });

  it('retries a part whose ETag does not match its MD5, then fails if it persists', async () => {
    oss.emulator.faults.add({ operation: 'UploadPart', partNumber: 1, kind: 'wrong-etag' });
    const data = patternBytes(2 * PART + 1);
    await oss.client.upload('etag-once', sourceOf(data, { chunkSize: 65_536 }), { partSize: PART });
    expect(await md5OfObject(oss.client, 'etag-once')).toEqual({
      md5: md5(data),
      size: data.length,
    });

    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 1,
      kind: 'wrong-etag',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await failure(
      oss.client.upload('etag-always', sourceOf(data, { chunkSize: 65_536 }), { partSize: PART }),
    );
    expect((error as OssUploadError).cause).toBeInstanceOf(OssIntegrityError);
    expect((error as OssUploadError).partNumber).toBe(1);
    await noUploadsLeft();
  });

  it('fails on a wrong object CRC-64 from Complete and deletes the object', async () => {
    oss.emulator.faults.add({ operation: 'CompleteMultipartUpload', kind: 'wrong-crc' });
    const data = patternBytes(3 * PART + 11);
    const error = await failure(
      oss.client.upload('object-crc', sourceOf(data, { chunkSize: 65_536 }), { partSize: PART }),
    );
    expect(error).toBeInstanceOf(OssUploadError);
    const cause = (error as OssUploadError).cause as OssIntegrityError;
    expect(cause).toBeInstanceOf(OssIntegrityError);
    expect(cause.check).toBe('object-crc64');
    expect((error as OssUploadError).cleanedUp).toBe(true);
    expect(oss.emulator.headObject('test-bucket', 'object-crc')).toBeUndefined();
    await noUploadsLeft();
  });

  it('keeps an object with a wrong CRC-64 only when told to, and says so', async () => {
    oss.emulator.faults.add({ operation: 'CompleteMultipartUpload', kind: 'wrong-crc' });
    const error = await failure(
      oss.client.upload(
        'object-crc-kept',
        sourceOf(patternBytes(2 * PART + 1), { chunkSize: 65_536 }),
        {
          partSize: PART,
          deleteOnIntegrityError: false,
        },
      ),
    );
    expect((error as OssUploadError).cause).toBeInstanceOf(OssIntegrityError);
    expect((error as OssUploadError).cleanedUp).toBe(false);
    expect(oss.emulator.headObject('test-bucket', 'object-crc-kept')).toBeDefined();
  });

  it('retries a part answered with a wrong CRC-64, then fails cleanly if it persists', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 2,
      kind: 'wrong-crc',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await failure(
      oss.client.upload('part-crc', sourceOf(patternBytes(3 * PART), { chunkSize: 65_536 }), {
        partSize: PART,
      }),
    );
    const cause = (error as OssUploadError).cause as OssIntegrityError;
    expect(cause.check).toBe('crc64');
    expect(cause.partNumber).toBe(2);
    expect(oss.emulator.stats.requests.UploadPart).toBeGreaterThanOrEqual(3 + 2);
    expect(oss.emulator.headObject('test-bucket', 'part-crc')).toBeUndefined();
    await noUploadsLeft();
  });

  it('deletes a single-request object whose CRC-64 stays wrong', async () => {
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'wrong-crc',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await failure(
      oss.client.upload('put-crc', sourceOf(patternBytes(1000), { chunkSize: 100 }), {
        partSize: PART,
      }),
    );
    expect(((error as OssUploadError).cause as OssIntegrityError).check).toBe('crc64');
    expect(oss.emulator.stats.requests.PutObject).toBe(3);
    expect((error as OssUploadError).cleanedUp).toBe(true);
    expect(oss.emulator.headObject('test-bucket', 'put-crc')).toBeUndefined();
  });

  it('accepts a Complete whose response was lost, after checking the object by HEAD', async () => {
    oss.emulator.faults.add({ operation: 'CompleteMultipartUpload', kind: 'drop-response' });
    const data = patternBytes(3 * PART + 5);
    const result = await oss.client.upload('complete-lost', sourceOf(data, { chunkSize: 65_536 }), {
      partSize: PART,
    });
    expect(result.partCount).toBe(4);
    expect(oss.emulator.stats.requests.CompleteMultipartUpload).toBe(2);
    expect(oss.emulator.stats.requests.HeadObject).toBe(1);
    expect(await md5OfObject(oss.client, 'complete-lost')).toEqual({
      md5: md5(data),
      size: data.length,
    });
  });

  it('maps an upload aborted by someone else to a typed failure', async () => {
    const stream = oss.client.createUploadStream('aborted-elsewhere', {
      partSize: PART,
      concurrency: 1,
    });
    stream.once('part', async () => {
      await oss.client.abortMultipartUpload('aborted-elsewhere', stream.uploadId as string);
    });
    const error = await failure(pipeline(generatedSource(10 * PART), stream));
    expect(error).toBeInstanceOf(OssUploadError);
    expect((error as OssUploadError).cause).toMatchObject({ ossCode: 'NoSuchUpload' });
    await noUploadsLeft();
  });
});

describe('upload stream: never hangs', () => {
  it('ends a stream that never received a write', async () => {
    const stream = oss.client.createUploadStream('never-written', { partSize: PART });
    stream.end();
    await new Promise((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    expect(stream.result?.size).toBe(0);
    expect((await oss.client.getObjectBuffer('never-written')).length).toBe(0);
  });

  it('uploads from an iterable of chunks (promise form)', async () => {
    const data = patternBytes(2 * PART + 99);
    const result = await oss.client.upload(
      'iterable',
      [data.subarray(0, 1000), data.subarray(1000)],
      {
        partSize: PART,
      },
    );
    expect(result.size).toBe(data.length);
    expect(await md5OfObject(oss.client, 'iterable')).toEqual({
      md5: md5(data),
      size: data.length,
    });
  });
});
