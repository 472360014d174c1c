/**
 * What an upload reports must be true of the server: regressions from an independent trial,
 * over real HTTP against the emulator, with a meddling node:http server in between where the
 * emulator cannot say the wrong thing.
 */
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OssClient } from '../lib/client.ts';
import { OssAbortError, OssUploadError, OssWriteError } from '../lib/errors.ts';
import type { ProgressEvent } from '../lib/upload-stream.ts';
import { startMeddler, type Meddler } from './helpers/meddler.ts';
import { BUCKET, generatedSource, md5, useOss } from './helpers/oss.ts';
import { rejectionAs } from './helpers/outcomes.ts';

const PART = 102_400;
const oss = useOss();
let meddler: Meddler;
let client: OssClient;

beforeAll(async () => {
  meddler = await startMeddler(oss.emulator.endpoint);
  client = oss.clientWith({ endpoint: meddler.endpoint });
});
afterAll(() => meddler.close());
beforeEach(() => {
  meddler.meddle = undefined;
});

function isOp(query: URLSearchParams, method: string, name: string, actual: string): boolean {
  return method === actual && query.has(name);
}

function nothingLeft(key: string) {
  expect(oss.emulator.listUploads(BUCKET).filter((u) => u.key === key)).toEqual([]);
}

const rejection = (promise: Promise<unknown>) => rejectionAs(promise, OssUploadError);

const xml = (body: string) => ({
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body: Buffer.from(body),
});

describe('Complete and Initiate answers are parsed, not trusted', () => {
  it.each([
    ['an <Error> document', '<?xml version="1.0"?><Error><Code>InternalError</Code></Error>'],
    ['an HTML page', '<html><body>gateway says hi</body></html>'],
    [
      'a result without an ETag',
      '<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key></CompleteMultipartUploadResult>',
    ],
  ])('a 200 Complete with %s fails the upload and leaves nothing', async (_what, body) => {
    meddler.meddle = ({ method, query }) =>
      isOp(query, method, 'uploadId', 'POST') ? xml(body) : undefined;
    const key = `complete-200/${_what}`;
    const error = await rejection(
      client.upload(key, generatedSource(3 * PART), { partSize: PART }),
    );
    expect(error.cleanedUp).toBe(true);
    nothingLeft(key);
    expect(oss.emulator.headObject(BUCKET, key)).toBeUndefined();
  });

  it('a 200 Complete with a broken body after the server did complete is confirmed by HEAD', async () => {
    meddler.meddle = async ({ method, query }, forward) => {
      if (!isOp(query, method, 'uploadId', 'POST')) return undefined;
      await forward();
      return xml('<html>lost in a proxy</html>');
    };
    const key = 'complete-200/stored';
    const result = await client.upload(key, generatedSource(3 * PART), { partSize: PART });
    expect(result.etag).toBe(oss.emulator.headObject(BUCKET, key)?.etag);
    expect(result.partCount).toBe(3);
  });

  it('an Initiate answered with an empty UploadId fails, and the upload it made is aborted', async () => {
    meddler.meddle = async ({ method, query }, forward) => {
      if (!isOp(query, method, 'uploads', 'POST')) return undefined;
      await forward();
      return xml(
        '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId/></InitiateMultipartUploadResult>',
      );
    };
    const key = 'initiate-empty';
    const error = await rejection(
      client.upload(key, generatedSource(3 * PART), { partSize: PART }),
    );
    expect(error.cleanedUp).toBe(true);
    nothingLeft(key);
  });
});

describe('cleanedUp tells the truth', () => {
  it.each([
    ['Complete', 3 * PART, 'uploadId'],
    ['PutObject', PART / 2, undefined],
  ] as const)(
    'an abort while %s is in flight after the server stored the object: cleanedUp false',
    async (_op, size, marker) => {
      let stored: () => void = () => {};
      const objectStored = new Promise<void>((resolve) => {
        stored = resolve;
      });
      meddler.meddle = async ({ method, query }, forward) => {
        const isIt = marker
          ? isOp(query, method, marker, 'POST')
          : method === 'PUT' && !query.has('uploadId');
        if (!isIt) return undefined;
        await forward();
        stored();
        return 'hold';
      };
      const controller = new AbortController();
      const key = `abort-after-store/${_op}`;
      const pending = rejection(
        client.upload(key, generatedSource(size), { partSize: PART, signal: controller.signal }),
      );
      await objectStored;
      controller.abort();
      const error = await pending;
      expect(error.cause).toBeInstanceOf(OssAbortError);
      expect(oss.emulator.headObject(BUCKET, key)).toBeDefined();
      expect(error.cleanedUp).toBe(false);
      nothingLeft(key);
    },
  );

  it('a lost Initiate answer leaves no orphan when the retry succeeds', async () => {
    oss.emulator.faults.add({
      operation: 'InitiateMultipartUpload',
      kind: 'drop-response',
      times: 1,
    });
    const key = 'lost-initiate/ok';
    await oss.client.upload(key, generatedSource(3 * PART), { partSize: PART });
    nothingLeft(key);
    expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(2);
  });

  it('lost Initiate answers on every attempt: the upload fails, cleanedUp true, no orphan left', async () => {
    oss.emulator.faults.add({
      operation: 'InitiateMultipartUpload',
      kind: 'drop-response',
      times: Number.POSITIVE_INFINITY,
    });
    const key = 'lost-initiate/all';
    const error = await rejection(
      oss.client.upload(key, generatedSource(3 * PART), { partSize: PART }),
    );
    expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(3);
    expect(error.cleanedUp).toBe(true);
    nothingLeft(key);
  });

  it('abort while Initiate is stalled settles promptly, typed, and leaves nothing', async () => {
    oss.emulator.faults.add({ operation: 'InitiateMultipartUpload', kind: 'stall', ms: 120_000 });
    const controller = new AbortController();
    const key = 'stalled-initiate';
    const pending = rejection(
      oss.client.upload(key, generatedSource(3 * PART), {
        partSize: PART,
        signal: controller.signal,
      }),
    );
    await vi.waitFor(() => expect(oss.emulator.stats.inFlight).toBeGreaterThan(0), {
      timeout: 20_000,
    });
    const started = Date.now();
    controller.abort();
    const error = await pending;
    // Far below the old 3 × timeoutMs (180 s): only the clean-up requests remain to be sent.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error.cause).toBeInstanceOf(OssAbortError);
    expect(error.cleanedUp).toBe(true);
    await vi.waitFor(() => nothingLeft(key), { timeout: 5_000 });
  });

  it('client.upload() rejects with the OssUploadError only after the server-side abort', async () => {
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent >= 3 * PART) return void this.destroy(new Error('disk on fire'));
        sent += 16_384;
        this.push(Buffer.alloc(16_384, 7));
      },
    });
    // A slow Abort: a rejection that does not wait for the clean-up arrives before it is done.
    oss.emulator.faults.add({ operation: 'AbortMultipartUpload', kind: 'stall', ms: 500 });
    const key = 'source-error';
    const error = await rejection(oss.client.upload(key, source, { partSize: PART }));
    expect(error.cause).toMatchObject({ message: 'disk on fire' });
    // No polling: the clean-up has finished when upload() rejects.
    nothingLeft(key);
  });
});

describe('client.upload() with a failing iterable source', () => {
  it('rejects with the OssUploadError, after the clean-up, when an async generator throws', async () => {
    oss.emulator.faults.add({ operation: 'AbortMultipartUpload', kind: 'stall', ms: 500 });
    const key = 'generator-error';
    async function* source() {
      for (let i = 0; i < 24; i++) yield Buffer.alloc(16_384, i);
      throw new Error('generator broke');
    }
    const error = await rejection(oss.client.upload(key, source(), { partSize: PART }));
    expect(error.cause).toMatchObject({ message: 'generator broke' });
    nothingLeft(key);
  });
});

describe('results and progress', () => {
  it('crc64Verified is true when the server confirmed the CRC-64, false when it sent none', async () => {
    const confirmed = await oss.client.upload('crc/yes', generatedSource(3 * PART), {
      partSize: PART,
    });
    expect(confirmed.crc64Verified).toBe(true);
    meddler.meddle = async (_request, forward) => {
      const reply = await forward();
      delete reply.headers['x-oss-hash-crc64ecma'];
      return reply;
    };
    const multipart = await client.upload('crc/no', generatedSource(3 * PART), { partSize: PART });
    expect(multipart.crc64Verified).toBe(false);
    const single = await client.upload('crc/no-single', Buffer.from('small'));
    expect(single.crc64Verified).toBe(false);
  });

  it('progress never goes backwards when a part is retried after a reset', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      kind: 'reset',
      afterBytes: PART / 2,
      times: 3,
    });
    const stream = oss.client.createUploadStream('progress/retried', { partSize: PART });
    const seen: number[] = [];
    stream.on('progress', (event: ProgressEvent) => seen.push(event.bytesUploaded));
    await pipeline(generatedSource(4 * PART), stream);
    expect(oss.emulator.stats.requests.UploadPart).toBeGreaterThan(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
    expect(seen.at(-1)).toBe(4 * PART);
  });
});

describe('client.upload() bodies', () => {
  it.each([
    ['a Buffer', () => Buffer.alloc(3 * PART + 1, 1)],
    ['a Uint8Array', () => new Uint8Array(3 * PART + 1).fill(1)],
    ['a string', () => '\u0001'.repeat(3 * PART + 1)],
    ['a web ReadableStream', () => Readable.toWeb(Readable.from([Buffer.alloc(3 * PART + 1, 1)]))],
    [
      'an async iterable',
      () =>
        (async function* () {
          yield Buffer.alloc(3 * PART, 1);
          yield new Uint8Array([1]);
        })(),
    ],
  ])('takes %s as the object bytes', async (_what, body) => {
    const key = `bodies/${_what}`;
    const result = await oss.client.upload(key, body() as never, { partSize: PART });
    expect(result.size).toBe(3 * PART + 1);
    const stored = await oss.emulator.getObject(BUCKET, key);
    expect(stored && md5(stored)).toBe(md5(Buffer.alloc(3 * PART + 1, 1)));
  });

  it('a 20 MB string goes up as one body, not character by character', async () => {
    const started = Date.now();
    const result = await oss.client.upload('bodies/big-string', 'x'.repeat(20_000_000));
    expect(result.size).toBe(20_000_000);
    // Character by character took 12.6 s; as one body it is a few hundred ms.
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it.each([
    ['an ArrayBuffer', new ArrayBuffer(8)],
    ['a number', 42],
    ['null', null],
  ])('%s is an OssWriteError and nothing is sent', async (_what, body) => {
    oss.emulator.stats.reset();
    await expect(oss.client.upload('bodies/bad', body as never)).rejects.toBeInstanceOf(
      OssWriteError,
    );
    expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(0);
    expect(oss.emulator.stats.requests.PutObject).toBe(0);
  });
});

describe('shutdown', () => {
  it('close() lets the upload in flight finish, then refuses new uploads with a typed error', async () => {
    const own = oss.clientWith({});
    const stream = own.createUploadStream('shutdown/close', { partSize: PART });
    const done = pipeline(generatedSource(5 * PART, 4096), stream);
    await new Promise((resolve) => stream.once('initiated', resolve));
    const closing = own.close();
    expect(() => own.createUploadStream('shutdown/late')).toThrow(
      expect.objectContaining({ code: 'ERR_OSS_CLIENT_CLOSED' }),
    );
    await done;
    await closing;
    expect(stream.result?.size).toBe(5 * PART);
    expect(own.stats().uploadsInFlight).toBe(0);
  });

  it('destroy() aborts the uploads in flight on the server', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      kind: 'stall',
      ms: 120_000,
      times: Number.POSITIVE_INFINITY,
    });
    const own = oss.clientWith({});
    const streams = [1, 2, 3].map((n) =>
      own.createUploadStream(`shutdown/destroy-${n}`, { partSize: PART }),
    );
    const outcomes = streams.map((s) =>
      pipeline(generatedSource(6 * PART, 4096), s).then(
        () => 'finished',
        () => 'failed',
      ),
    );
    await vi.waitFor(() => expect(oss.emulator.stats.inFlight).toBeGreaterThanOrEqual(3), {
      timeout: 20_000,
    });
    await own.destroy();
    expect(await Promise.all(outcomes)).toEqual(['failed', 'failed', 'failed']);
    for (const s of streams) expect(s.uploadError?.cleanedUp).toBe(true);
    for (const n of [1, 2, 3]) nothingLeft(`shutdown/destroy-${n}`);
    expect(own.stats()).toMatchObject({ uploadsInFlight: 0, bytesHeld: 0 });
  });
});

describe('the process exits by itself', () => {
  const node = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  const script = fileURLToPath(new URL('./fixtures/failing-tail.ts', import.meta.url));

  it('a top-level await client.close() after a failed upload settles (hash workers terminated)', {
    timeout: 90_000,
  }, async () => {
    const closeScript = fileURLToPath(
      new URL('./fixtures/close-after-failure.ts', import.meta.url),
    );
    const runs = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<{ code: number | null; stdout: string }>((resolve) => {
            execFile(node, [closeScript], { timeout: 60_000 }, (error, stdout) =>
              resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }),
            );
          }),
      ),
    );
    for (const run of runs) {
      expect(run.stdout.trim()).toBe('ERR_OSS_UPLOAD_FAILED closed');
      expect(run.code).toBe(0);
    }
  });

  it('after an abort while the tail waits in _final for a slot (worker hashing)', {
    timeout: 60_000,
  }, async () => {
    const started = Date.now();
    const output = await new Promise<string>((resolve, reject) => {
      execFile(node, [script], { timeout: 45_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(output).toContain('ERR_OSS_UPLOAD_FAILED');
    expect(Date.now() - started).toBeLessThan(45_000);
  });
});
