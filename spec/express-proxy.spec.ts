import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExpressProxy } from '../examples/express-proxy.ts';
import type { UploadStream } from '../lib/index.ts';
import { generatedSource, hashingTap, type OssFixture, startOss } from './helpers/oss.ts';
import { expectStored, proxyBehaviour, send } from './helpers/proxy-behaviour.ts';

// The example imports the package by its name, as a copy of it would; here that name means the
// sources under test (see spec/proxy.spec.ts).
vi.mock('oss-multipart-stream', () => import('../lib/index.ts'));

const PART_SIZE = 256 * 1024;

let oss: OssFixture;
let server: Server;
let proxyUrl: string;
const streams: UploadStream[] = [];

beforeAll(async () => {
  oss = await startOss();
  const { app } = createExpressProxy({
    client: oss.client,
    upload: { partSize: PART_SIZE, concurrency: 2 },
    onUpload: (stream) => streams.push(stream),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await oss?.close();
});

describe('proxy example (Express): client → proxy → emulator', () => {
  proxyBehaviour(() => ({ url: proxyUrl, emulator: oss.emulator, streams, partSize: PART_SIZE }));

  it('keeps every path segment of the key, and an encoded slash inside one', async () => {
    const tap = hashingTap();
    const answer = await send(
      `${proxyUrl}/upload/a/b%2Fc/d%C3%A9j%C3%A0.bin`,
      'PUT',
      generatedSource(1234, 1234, 2).pipe(tap),
    );
    await expectStored(oss.emulator, answer, 'a/b/c/déjà.bin', tap.digest(), 1234);
  });

  it('answers a route it does not serve with 404 in the same JSON shape', async () => {
    const answer = await send(`${proxyUrl}/upload`, 'PUT', Readable.from([Buffer.from('x')]));
    expect(answer).toMatchObject({ status: 404, body: { error: 'ERR_NOT_FOUND' } });
  });
});
