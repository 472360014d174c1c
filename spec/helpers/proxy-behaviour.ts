/**
 * What every proxy example must do, as one suite each example's spec runs against its own
 * server (node:http, Express), plus the HTTP-client helpers those specs share.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect, it, vi } from 'vitest';
import type { UploadStream } from '../../lib/index.ts';
import type { Emulator } from '../../lib/testing/index.ts';
import { BUCKET, generatedSource, hashingTap, md5 } from './oss.ts';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Send `body` (chunked unless a content-length header is given) and parse the JSON answer. */
export function send(
  url: string,
  method: string,
  body: Readable,
  headers: Record<string, string | number> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(new Error(`${res.statusCode}: not JSON: ${text.slice(0, 200)}`));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(body, req).catch(reject);
  });
}

export function formHeaders(boundary: string): Record<string, string> {
  return { 'content-type': `multipart/form-data; boundary=${boundary}` };
}

/** The head of a form: an optional `key` field, then the start of a file field. */
export function formHead(boundary: string, key: string | undefined, filename: string): Buffer {
  const keyField =
    key === undefined
      ? ''
      : `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${key}\r\n`;
  return Buffer.from(
    `${keyField}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
}

/** A multipart/form-data body streamed around `file`: a `key` field, then the file field. */
export function formBody(key: string | undefined, filename: string, file: Readable) {
  const boundary = `----spec${Date.now()}`;
  async function* parts() {
    yield formHead(boundary, key, filename);
    for await (const chunk of file) yield chunk as Buffer;
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return { body: Readable.from(parts()), headers: formHeaders(boundary) };
}

/** The answer says 200 with what is stored, and the store holds exactly `digest`. */
export async function expectStored(
  emulator: Emulator,
  answer: Answer,
  key: string,
  digest: string,
  size: number,
): Promise<void> {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body).toEqual({
    key,
    size,
    etag: expect.stringMatching(/^"[0-9A-F]{32}(-\d+)?"$/),
    crc64: expect.stringMatching(/^\d+$/),
  });
  const stored = await emulator.getObject(BUCKET, key);
  expect(stored && { md5: md5(stored), size: stored.length }).toEqual({ md5: digest, size });
  const head = emulator.headObject(BUCKET, key);
  expect(head?.crc64).toBe(answer.body.crc64);
  expect(head?.etag).toBe(answer.body.etag);
}

export async function waitForNoUploads(emulator: Emulator): Promise<void> {
  await vi.waitFor(() => expect(emulator.listUploads(BUCKET)).toEqual([]), {
    timeout: 5000,
    interval: 20,
  });
}

export interface ProxyUnderTest {
  /** http://127.0.0.1:port */
  url: string;
  emulator: Emulator;
  /** Every upload stream the proxy started, in order. */
  streams: UploadStream[];
  partSize: number;
}

/** The behaviour both proxy examples share: PUT /upload/<key> and POST /form. */
export function proxyBehaviour(target: () => ProxyUnderTest): void {
  const at = (path: string) => `${target().url}${path}`;

  it('streams a raw chunked PUT body into OSS, byte-identical', async () => {
    const size = 5 * 1024 * 1024 + 123;
    const tap = hashingTap();
    const answer = await send(
      at('/upload/raw/chunked.bin'),
      'PUT',
      generatedSource(size).pipe(tap),
    );
    await expectStored(target().emulator, answer, 'raw/chunked.bin', tap.digest(), size);
  });

  it('uses Content-Length when the client sends one', async () => {
    const size = 3 * 1024 * 1024;
    const tap = hashingTap();
    const source = generatedSource(size, 64 * 1024, 3).pipe(tap);
    const answer = await send(at('/upload/raw/sized%20file.bin'), 'PUT', source, {
      'content-length': size,
    });
    await expectStored(target().emulator, answer, 'raw/sized file.bin', tap.digest(), size);
  });

  it('streams a multipart/form-data file field (busboy) into OSS, byte-identical', async () => {
    const size = 4 * 1024 * 1024 + 7;
    const tap = hashingTap();
    const file = generatedSource(size, 16 * 1024, 5).pipe(tap);
    const form = formBody('form/named.bin', 'local.bin', file);
    const answer = await send(at('/form'), 'POST', form.body, form.headers);
    await expectStored(target().emulator, answer, 'form/named.bin', tap.digest(), size);
  });

  it('names a form upload after the file when no key field precedes it', async () => {
    const tap = hashingTap();
    const form = formBody(undefined, 'from-filename.txt', generatedSource(1000, 1000, 9).pipe(tap));
    const answer = await send(at('/form'), 'POST', form.body, form.headers);
    await expectStored(target().emulator, answer, 'from-filename.txt', tap.digest(), 1000);
  });

  it('answers 400 for an invalid key, 400 for a form without a file, 404 elsewhere', async () => {
    const bad = await send(
      at(`/upload/${encodeURIComponent('/leading-slash')}`),
      'PUT',
      Readable.from([Buffer.from('x')]),
    );
    expect(bad).toMatchObject({ status: 400, body: { error: 'ERR_OSS_INVALID_KEY' } });
    const boundary = 'nofile';
    const fieldOnly = `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--${boundary}--\r\n`;
    const empty = await send(
      at('/form'),
      'POST',
      Readable.from([Buffer.from(fieldOnly)]),
      formHeaders(boundary),
    );
    expect(empty).toMatchObject({ status: 400, body: { error: 'ERR_BAD_FORM' } });
    expect(await send(at('/elsewhere'), 'GET', Readable.from([]))).toMatchObject({ status: 404 });
  });

  it('answers 400 to a key that is not valid percent-encoding', async () => {
    const answer = await send(at('/upload/bad%E0%A4%A'), 'PUT', Readable.from([Buffer.from('x')]));
    expect(answer.status).toBe(400);
  });

  it('answers 400 at once to a form with a malformed part header', {
    timeout: 10_000,
  }, async () => {
    const boundary = 'bad';
    const malformed = `--${boundary}\r\nnot a header line\r\n\r\nxyz\r\n--${boundary}--\r\n`;
    const answer = await send(
      at('/form'),
      'POST',
      Readable.from([Buffer.from(malformed)]),
      formHeaders(boundary),
    );
    expect(answer).toMatchObject({ status: 400, body: { error: 'ERR_BAD_FORM' } });
  });

  it('answers 400 to a body that is not a form at all', async () => {
    const answer = await send(
      at('/form'),
      'POST',
      Readable.from([Buffer.from('no boundary anywhere')]),
      formHeaders('absent'),
    );
    expect(answer).toMatchObject({ status: 400, body: { error: 'ERR_BAD_FORM' } });
    const untyped = await send(at('/form'), 'POST', Readable.from([Buffer.from('x')]), {
      'content-type': 'text/plain',
    });
    expect(untyped).toMatchObject({ status: 400, body: { error: 'ERR_BAD_FORM' } });
  });

  it('answers 400 to a form cut short inside the file, after aborting its upload', {
    timeout: 10_000,
  }, async () => {
    const { emulator, partSize } = target();
    emulator.stats.reset();
    const boundary = 'cut';
    // Parts' worth of the file, held open until the upload exists; then the form ends without
    // its closing boundary.
    const upload = Promise.withResolvers<void>();
    async function* body() {
      yield formHead(boundary, 'cut/short.bin', 'f');
      yield Buffer.alloc(3 * partSize, 2);
      await upload.promise;
    }
    const answer = send(at('/form'), 'POST', Readable.from(body()), formHeaders(boundary));
    await vi.waitFor(() => expect(emulator.listUploads(BUCKET)).toHaveLength(1), {
      timeout: 5000,
      interval: 10,
    });
    upload.resolve();
    expect(await answer).toMatchObject({ status: 400, body: { error: 'ERR_BAD_FORM' } });
    expect(emulator.stats.requests.AbortMultipartUpload).toBe(1);
    expect(emulator.listUploads(BUCKET)).toEqual([]);
    expect(emulator.headObject(BUCKET, 'cut/short.bin')).toBeUndefined();
  });

  it('answers 400 to a small file whose form never closes, storing nothing', async () => {
    const boundary = 'open';
    const body = Readable.from([formHead(boundary, undefined, 'open.txt'), Buffer.from('abc\r\n')]);
    const answer = await send(at('/form'), 'POST', body, formHeaders(boundary));
    expect(answer).toMatchObject({ status: 400, body: { error: 'ERR_BAD_FORM' } });
    expect(target().emulator.headObject(BUCKET, 'open.txt')).toBeUndefined();
  });

  for (const kind of ['raw PUT', 'form'] as const) {
    it(`aborts the upload when a ${kind} client disconnects mid-upload`, async () => {
      const { emulator, streams, partSize } = target();
      emulator.stats.reset();
      const before = streams.length;
      const key = `gone/${kind.replace(' ', '-')}.bin`;
      const boundary = 'gone';
      const req = request(at(kind === 'form' ? '/form' : `/upload/${key}`), {
        method: kind === 'form' ? 'POST' : 'PUT',
        headers: kind === 'form' ? formHeaders(boundary) : {},
        agent: false,
      });
      req.on('error', () => undefined);
      if (kind === 'form') req.write(formHead(boundary, key, 'f'));
      // Several parts' worth, then wait until parts reached the server: an upload exists.
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let sent = 0; sent < 3 * partSize; sent += chunk.length) req.write(chunk);
      await vi.waitFor(() => expect(emulator.stats.requests.UploadPart).toBeGreaterThanOrEqual(2), {
        timeout: 5000,
        interval: 10,
      });
      expect(emulator.listUploads(BUCKET).map((u) => u.key)).toContain(key);
      req.destroy();

      await waitForNoUploads(emulator);
      expect(emulator.stats.requests.AbortMultipartUpload).toBeGreaterThanOrEqual(1);
      expect(emulator.stats.requests.CompleteMultipartUpload).toBe(0);
      const stream = streams[before] as UploadStream;
      expect(stream.key).toBe(key);
      expect(stream.destroyed).toBe(true);
      expect(emulator.headObject(BUCKET, key)).toBeUndefined();
    });
  }
}
