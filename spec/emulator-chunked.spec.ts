/**
 * Bodies sent with both Content-Length and Transfer-Encoding: chunked (the official SDK sends
 * this for streams of known length) are accepted, the chunked framing deciding the length; a
 * request Node's parser cannot read at all gets an OSS-format 400, never a bare reset.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKeyPath, signV4 } from '../lib/oss/signing/index.ts';
import type { SignableRequest } from '../lib/oss/signing/types.ts';
import { childOf, parseXml, textOf } from '../lib/oss/xml.ts';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import { initiateUpload } from './helpers/raw-oss.ts';

let emu: Emulator;
let dir: string;
let n = 0;
const fresh = () => `chunked/${++n}`;
beforeAll(async () => {
  emu = await startEmulator({ buckets: ['test-bucket'] });
  dir = await mkdtemp(join(tmpdir(), 'emu-chunked-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

interface SocketAnswer {
  /** The status line and headers as received, or '' when the connection closed without any. */
  head: string;
  status: number | undefined;
  body: string;
}

/** Write `request` on a fresh TCP connection and read until the server closes it. */
function rawExchange(request: Buffer): Promise<SocketAnswer> {
  const { hostname, port } = new URL(emu.endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      resolve({ head, status: status ? Number(status) : undefined, body: text.slice(split + 4) });
    });
    socket.end(request);
  });
}

/** A signed request with both framing headers; `chunks` are sent as chunked framing. */
function doublyFramed(options: {
  method: string;
  key: string;
  query?: Record<string, string>;
  contentLength: number;
  chunks: Buffer[];
}): Buffer {
  const query = options.query ?? {};
  const signable: SignableRequest = {
    method: options.method,
    bucket: 'test-bucket',
    key: options.key,
    query: { ...query },
    headers: {},
  };
  signV4(signable, emu.credentials, new Date(), emu.region);
  const search = Object.entries(query)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  const path = `/test-bucket/${encodeKeyPath(options.key)}${search ? `?${search}` : ''}`;
  const headers = [
    `${options.method} ${path} HTTP/1.1`,
    `Host: ${new URL(emu.endpoint).host}`,
    `Content-Length: ${options.contentLength}`,
    'Transfer-Encoding: chunked',
    'Connection: close',
    ...Object.entries(signable.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  const framed = options.chunks.flatMap((chunk) => [
    Buffer.from(`${chunk.length.toString(16)}\r\n`),
    chunk,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([
    Buffer.from(`${headers.join('\r\n')}\r\n\r\n`),
    ...framed,
    Buffer.from('0\r\n\r\n'),
  ]);
}

describe('Content-Length together with Transfer-Encoding: chunked', () => {
  it('PutObject is accepted and stores the chunked body', async () => {
    const key = fresh();
    const body = randomBytes(3000);
    const answer = await rawExchange(
      doublyFramed({
        method: 'PUT',
        key,
        contentLength: body.length,
        chunks: [body.subarray(0, 1000), body.subarray(1000)],
      }),
    );
    expect(answer.status, answer.head).toBe(200);
    expect((await emu.getObject('test-bucket', key))?.equals(body)).toBe(true);
  });

  it('the chunked framing decides the length when Content-Length disagrees', async () => {
    const key = fresh();
    const body = Buffer.from('chunked wins');
    const answer = await rawExchange(
      doublyFramed({ method: 'PUT', key, contentLength: 5, chunks: [body] }),
    );
    expect(answer.status, answer.head).toBe(200);
    expect((await emu.getObject('test-bucket', key))?.toString()).toBe('chunked wins');
  });

  it('UploadPart is accepted', async () => {
    const key = fresh();
    const uploadId = await initiateUpload(emu, key);
    const body = randomBytes(2000);
    const answer = await rawExchange(
      doublyFramed({
        method: 'PUT',
        key,
        query: { partNumber: '1', uploadId },
        contentLength: body.length,
        chunks: [body],
      }),
    );
    expect(answer.status, answer.head).toBe(200);
    expect(emu.listUploads('test-bucket').find((u) => u.uploadId === uploadId)?.parts).toBe(1);
  });
});

it('a request the HTTP parser cannot read gets an OSS-format 400, not a bare reset', async () => {
  const answer = await rawExchange(
    Buffer.from(
      'PUT /test-bucket/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad\r\n0\r\n\r\n',
    ),
  );
  expect(answer.status, answer.head).toBe(400);
  expect(answer.head).toMatch(/content-type: application\/xml/i);
  expect(answer.head).toMatch(/x-oss-request-id: [0-9A-F]{24}/i);
  const error = childOf(parseXml(answer.body), 'Error');
  expect(textOf(error, 'Code')).toBeTruthy();
  expect(textOf(error, 'Message')).toBeTruthy();
});

it('ali-oss puts a file (a stream of known length) and reads it back', async () => {
  interface AliOss {
    put(name: string, file: string): Promise<{ res: { status: number } }>;
    get(name: string): Promise<{ content: Buffer }>;
  }
  const OSS = createRequire(import.meta.url)('ali-oss') as new (options: object) => AliOss;
  const client = new OSS({
    endpoint: emu.endpoint,
    region: 'oss-cn-hangzhou',
    bucket: 'test-bucket',
    accessKeyId: emu.credentials.accessKeyId,
    accessKeySecret: emu.credentials.accessKeySecret,
    secure: false,
    authorizationV4: true,
  });
  const data = randomBytes(200_000);
  const file = join(dir, 'stream.bin');
  await writeFile(file, data);
  const key = fresh();
  const put = await client.put(key, file);
  expect(put.res.status).toBe(200);
  expect((await client.get(key)).content.equals(data)).toBe(true);
});
