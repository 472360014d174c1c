/**
 * HTTPS, the default for every real user: the emulator serves TLS with a certificate from a
 * throwaway authority (`tls: true`, `emulator.ca`), and the upload stream (multipart and single
 * PutObject), a resume and the official SDK work over it, path style and virtual-hosted style.
 * `*.localhost` does not resolve here, so virtual-hosted clients get an agent whose lookup sends
 * every name to 127.0.0.1 (TLS still checks the bucket host name against the certificate).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, get as httpsGet } from 'node:https';
import { createRequire } from 'node:module';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OssClient } from '../lib/client.ts';
import { childOf, textOf } from '../lib/oss/xml.ts';
import {
  BUCKET,
  md5,
  md5OfObject,
  type OssFixture,
  patternBytes,
  startOss,
} from './helpers/oss.ts';
import {
  completeUpload,
  expectStatus,
  initiateUpload,
  ossRequest,
  uploadPart,
} from './helpers/raw-oss.ts';

const PART = 100 * 1024;
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

let oss: OssFixture;
let port: string;
let dir: string;
beforeAll(async () => {
  oss = await startOss({ tls: true });
  port = new URL(oss.emulator.endpoint).port;
  dir = await mkdtemp(join(tmpdir(), 'oss-https-'));
});
afterAll(async () => {
  await oss?.close();
  await rm(dir, { recursive: true, force: true });
});

/** GET https://<host>:<port>/ with the given trust; resolves the status or rejects (TLS). */
function probe(host: string, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet({ host, port, path: '/', ca, lookup: toLoopback, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe('the emulator over TLS', () => {
  it('has an https endpoint and exposes the authority certificate', () => {
    expect(oss.emulator.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(oss.emulator.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('its certificate is valid for 127.0.0.1, localhost and <bucket>.localhost', async () => {
    for (const host of ['127.0.0.1', 'localhost', `${BUCKET}.localhost`]) {
      // 501 ListBuckets (or 403): what matters is that TLS verification passed.
      expect(await probe(host, oss.emulator.ca)).toBeGreaterThanOrEqual(400);
    }
  });

  it('without the authority the certificate is refused', async () => {
    await expect(probe('127.0.0.1', undefined)).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/),
    });
  });

  it('a bucket created later gets its host name on the certificate', async () => {
    await expect(probe('late-bucket.localhost', oss.emulator.ca)).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    await oss.emulator.createBucket('late-bucket');
    expect(await probe('late-bucket.localhost', oss.emulator.ca)).toBeGreaterThanOrEqual(400);
  });

  it('signed raw requests work over TLS, path style and virtual-hosted', async () => {
    for (const virtualHosted of [false, true]) {
      const key = `raw/${virtualHosted}`;
      expectStatus(
        await ossRequest(oss.emulator, { method: 'PUT', key, body: 'tls', virtualHosted }),
        200,
      );
      const got = expectStatus(
        await ossRequest(oss.emulator, { method: 'GET', key, virtualHosted }),
        200,
      );
      expect(got.body.toString()).toBe('tls');
    }
    // Complete's Location names the scheme the request came in with.
    const key = 'raw/location';
    const uploadId = await initiateUpload(oss.emulator, key);
    const etag = await uploadPart(oss.emulator, key, uploadId, 1, Buffer.from('part'));
    const done = expectStatus(
      await completeUpload(oss.emulator, key, uploadId, [{ partNumber: 1, etag }]),
      200,
    );
    expect(textOf(childOf(done.xml, 'CompleteMultipartUploadResult'), 'Location')).toMatch(
      /^https:\/\//,
    );
  });

  it('a Node process trusts it through NODE_EXTRA_CA_CERTS', async () => {
    const caFile = join(dir, 'emulator-ca.pem');
    await writeFile(caFile, oss.emulator.ca!);
    const script = `require('node:https').get(${JSON.stringify(`${oss.emulator.endpoint}/`)}, (res) => { console.log(res.statusCode); res.resume(); }).on('error', (e) => { console.log(e.code); process.exitCode = 1; });`;
    const run = (env: NodeJS.ProcessEnv) =>
      promisify(execFile)(process.execPath, ['-e', script], { env, timeout: 20_000 }).then(
        (r) => r.stdout.trim(),
        (e: { stdout: string }) => e.stdout.trim(),
      );
    const base = { PATH: process.env.PATH ?? '' };
    expect(await run({ ...base, NODE_EXTRA_CA_CERTS: caFile })).toMatch(/^\d{3}$/);
    expect(await run(base)).toMatch(/SELF_SIGNED|UNABLE_TO/);
  });
});

const styles = [
  {
    name: 'path style',
    client: () => oss.clientWith({ ca: oss.emulator.ca }),
  },
  {
    name: 'virtual-hosted style',
    client: () =>
      oss.clientWith({
        endpoint: `https://localhost:${port}`,
        pathStyle: false,
        ca: oss.emulator.ca,
        agent: { https: new Agent({ keepAlive: true, lookup: toLoopback, ca: oss.emulator.ca }) },
      }),
  },
];

describe.each(styles)('the upload stream over HTTPS ($name)', ({ name, client: makeClient }) => {
  let client: OssClient;
  beforeAll(() => {
    client = makeClient();
  });
  const prefix = `https/${name.replace(/\W+/g, '-')}/`;

  it('a multipart upload round-trips', async () => {
    const data = patternBytes(5 * PART + 321, 3);
    const key = `${prefix}multi.bin`;
    const stream = client.createUploadStream(key, { partSize: PART, concurrency: 3 });
    await pipeline([data], stream);
    expect(stream.result?.partCount).toBe(6);
    expect(await md5OfObject(client, key)).toEqual({ md5: md5(data), size: data.length });
    expect(oss.emulator.headObject(BUCKET, key)?.objectType).toBe('Multipart');
  });

  it('a single PutObject round-trips', async () => {
    const data = patternBytes(PART / 2, 4);
    const key = `${prefix}single.bin`;
    const stream = client.createUploadStream(key, { partSize: PART });
    await pipeline([data], stream);
    expect(stream.result?.uploadId).toBeNull();
    expect(await md5OfObject(client, key)).toEqual({ md5: md5(data), size: data.length });
  });

  it('resume: { uploadId } continues an upload begun elsewhere', async () => {
    const data = patternBytes(4 * PART + 99, 5);
    const key = `${prefix}resume.bin`;
    const { uploadId } = await client.initiateMultipartUpload(key);
    await client.uploadPart(key, uploadId, 1, data.subarray(0, PART));
    await client.uploadPart(key, uploadId, 2, data.subarray(PART, 2 * PART));
    oss.emulator.stats.reset();
    const stream = client.createUploadStream(key, { partSize: PART, resume: { uploadId } });
    await pipeline([data], stream);
    expect(stream.result?.uploadId).toBe(uploadId);
    expect(oss.emulator.stats.requests.UploadPart).toBe(3);
    expect(await md5OfObject(client, key)).toEqual({ md5: md5(data), size: data.length });
  });
});

describe('ali-oss over HTTPS', () => {
  interface AliOss {
    put(name: string, body: Buffer, options?: object): Promise<{ res: { status: number } }>;
    get(name: string): Promise<{ content: Buffer }>;
    multipartUpload(
      name: string,
      body: Buffer,
      options: object,
    ): Promise<{ res: { status: number } }>;
  }
  const OSS = createRequire(import.meta.url)('ali-oss') as new (options: object) => AliOss;
  const modes = [
    { name: 'IP endpoint', endpoint: () => oss.emulator.endpoint, sldEnable: false },
    { name: 'path style', endpoint: () => `https://localhost:${port}`, sldEnable: true },
    { name: 'virtual-hosted', endpoint: () => `https://localhost:${port}`, sldEnable: false },
  ];
  describe.each(modes)('$name', (mode) => {
    for (const authorizationV4 of [false, true]) {
      it(`${authorizationV4 ? 'V4' : 'V1'}: put, multipart upload and get`, async () => {
        const client = new OSS({
          endpoint: mode.endpoint(),
          region: 'oss-cn-hangzhou',
          bucket: BUCKET,
          accessKeyId: oss.emulator.credentials.accessKeyId,
          accessKeySecret: oss.emulator.credentials.accessKeySecret,
          secure: true,
          sldEnable: mode.sldEnable,
          authorizationV4,
          httpsAgent: new Agent({ lookup: toLoopback, ca: oss.emulator.ca }),
        });
        const key = `ali-https/${mode.name.replace(/\W+/g, '-')}/${authorizationV4}`;
        const small = patternBytes(1000, 6);
        expect((await client.put(`${key}/small`, small)).res.status).toBe(200);
        expect((await client.get(`${key}/small`)).content.equals(small)).toBe(true);
        const large = patternBytes(3 * PART + 5, 7);
        await client.multipartUpload(`${key}/large`, large, { partSize: PART, parallel: 2 });
        expect((await client.get(`${key}/large`)).content.equals(large)).toBe(true);
      });
    }
  });
});
