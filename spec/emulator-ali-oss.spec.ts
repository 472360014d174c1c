/**
 * The official ali-oss SDK (Node) against the emulator, with V1 and V4 signing and both the
 * SDK's IP-endpoint mode (Host `<bucket>.oss-<region>.aliyuncs.com`, path `/<key>`) and its
 * path-style mode (`sldEnable`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { md5Hex } from '../lib/checksum/md5.ts';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';

interface AliResponse {
  status: number;
  headers: Record<string, string>;
}
interface AliError extends Error {
  code: string;
  status: number;
  requestId?: string;
}
interface AliOss {
  put(name: string, body: Buffer, options?: object): Promise<{ res: AliResponse; name: string }>;
  get(name: string, options?: object): Promise<{ content: Buffer; res: AliResponse }>;
  head(name: string): Promise<{ meta: Record<string, string>; res: AliResponse }>;
  delete(name: string): Promise<{ res: AliResponse }>;
  multipartUpload(
    name: string,
    file: Buffer | string,
    options: object,
  ): Promise<{ res: AliResponse; name: string; etag?: string }>;
  initMultipartUpload(name: string, options?: object): Promise<{ uploadId: string }>;
  uploadPart(
    name: string,
    uploadId: string,
    partNo: number,
    file: Buffer,
    start: number,
    end: number,
  ): Promise<{ name: string; etag: string }>;
  completeMultipartUpload(
    name: string,
    uploadId: string,
    parts: Array<{ number: number; etag: string }>,
  ): Promise<{ res: AliResponse; etag?: string }>;
  abortMultipartUpload(name: string, uploadId: string): Promise<{ res: AliResponse }>;
  listParts(
    name: string,
    uploadId: string,
    query?: object,
  ): Promise<{
    parts: Array<{ PartNumber: string; ETag: string; Size: string }>;
    isTruncated: string | boolean;
  }>;
  listUploads(query: object): Promise<{ uploads: Array<{ name: string; uploadId: string }> }>;
  request(params: object): Promise<{ res: AliResponse }>;
  _objectRequestParams(method: string, name: string, options: object): Record<string, unknown>;
}
type AliOssConstructor = new (options: object) => AliOss;

// ali-oss is CommonJS without type declarations: load it through require and type what we use.
const OSS = createRequire(import.meta.url)('ali-oss') as AliOssConstructor;

const BUCKET = 'test-bucket';
let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ buckets: [BUCKET] });
  dir = await mkdtemp(join(tmpdir(), 'emu-ali-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<AliError> {
  try {
    await promise;
  } catch (err) {
    return err as AliError;
  }
  throw new Error('expected the SDK call to fail');
}

const modes = [
  { name: 'V1, IP endpoint', authorizationV4: false, sldEnable: false },
  { name: 'V4, IP endpoint', authorizationV4: true, sldEnable: false },
  { name: 'V1, path style', authorizationV4: false, sldEnable: true },
  { name: 'V4, path style', authorizationV4: true, sldEnable: true },
];

describe.each(modes)('ali-oss ($name)', (mode) => {
  // An IP endpoint makes ali-oss send `Host: <bucket>.oss-<region>.aliyuncs.com` and path
  // `/<key>`; with sldEnable it adds `/<bucket>` to the path, so give it a host name instead.
  const endpoint = () =>
    mode.sldEnable ? emulator.endpoint.replace('127.0.0.1', 'localhost') : emulator.endpoint;
  const client = (overrides: object = {}) =>
    new OSS({
      endpoint: endpoint(),
      region: 'oss-cn-hangzhou',
      bucket: BUCKET,
      accessKeyId: emulator.credentials.accessKeyId,
      accessKeySecret: emulator.credentials.accessKeySecret,
      secure: false,
      authorizationV4: mode.authorizationV4,
      sldEnable: mode.sldEnable,
      ...overrides,
    });
  const prefix = `${mode.name.replace(/\W+/g, '-')}/`;

  beforeEach(() => {
    emulator.stats.reset();
    emulator.faults.clear();
  });

  it('put and get return the same bytes, ETag = MD5, CRC header present', async () => {
    const data = randomBytes(12345);
    const put = await client().put(`${prefix}small.bin`, data);
    expect(put.res.status).toBe(200);
    expect(put.res.headers['etag']).toBe(`"${md5Hex(data)}"`);
    expect(put.res.headers['x-oss-hash-crc64ecma']).toMatch(/^\d+$/);
    const got = await client().get(`${prefix}small.bin`);
    expect(Buffer.compare(got.content, data)).toBe(0);
    expect(got.res.headers['x-oss-object-type']).toBe('Normal');
  });

  it('multipartUpload of a buffer (7 parts, parallel 4) round-trips', async () => {
    const partSize = 100 * 1024;
    const data = randomBytes(6 * partSize + 777);
    // Each part takes about a millisecond here; hold parts briefly so the overlap is visible.
    emulator.faults.add({
      operation: 'UploadPart',
      kind: 'stall',
      ms: 40,
      times: Number.POSITIVE_INFINITY,
    });
    const result = await client().multipartUpload(`${prefix}multi.bin`, data, {
      partSize,
      parallel: 4,
    });
    expect(result.res.status).toBe(200);
    const got = await client().get(`${prefix}multi.bin`);
    expect(Buffer.compare(got.content, data)).toBe(0);
    const info = emulator.headObject(BUCKET, `${prefix}multi.bin`)!;
    expect(info.objectType).toBe('Multipart');
    expect(info.etag).toMatch(/^"[0-9A-F]{32}-7"$/);
    expect(emulator.stats.requests.UploadPart).toBe(7);
    expect(emulator.stats.maxInFlight.UploadPart).toBeGreaterThanOrEqual(2);
    expect(emulator.listUploads(BUCKET).filter((u) => u.key.startsWith(prefix))).toEqual([]);
  });

  it('multipartUpload of a file with metadata round-trips; head returns the metadata', async () => {
    const data = randomBytes(3 * 150 * 1024 + 5);
    const file = join(dir, `${prefix.replace('/', '')}.bin`);
    await writeFile(file, data);
    await client().multipartUpload(`${prefix}file.bin`, file, {
      partSize: 150 * 1024,
      parallel: 2,
      meta: { owner: 'alice' },
      mime: 'application/x-test',
    });
    const got = await client().get(`${prefix}file.bin`);
    expect(Buffer.compare(got.content, data)).toBe(0);
    const head = await client().head(`${prefix}file.bin`);
    expect(head.meta).toEqual({ owner: 'alice' });
    expect(head.res.headers['content-type']).toBe('application/x-test');
    expect(head.res.headers['content-length']).toBe(String(data.length));
  });

  it('keys with spaces, +, %, quotes and non-ASCII round-trip through the SDK encoding', async () => {
    for (const name of ['with space+plus%25.txt', 'ünïcødé/日本語.bin', "quote'(star)*!"]) {
      const data = randomBytes(100);
      await client().put(`${prefix}${name}`, data);
      expect(emulator.headObject(BUCKET, `${prefix}${name}`)?.size).toBe(100);
      const got = await client().get(`${prefix}${name}`);
      expect(Buffer.compare(got.content, data)).toBe(0);
    }
  });

  it('dot segments: the SDK transport normalises the path but signs the raw key, so it is refused', async () => {
    // Pitfall: `a/../b/./c` goes on the wire as `/b/c`; a server that does not normalise
    // (like OSS) sees another key than the one signed.
    const err = await failure(client().put(`${prefix}a/../b/./c`, Buffer.from('x')));
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(emulator.headObject(BUCKET, `${prefix}b/c`)).toBeUndefined();
  });

  // ali-oss's option is named `headerEncoding`. With any value but its default 'utf-8' it sends
  // each header as the latin1 view of its UTF-8 bytes (so the UTF-8 bytes go on the wire) and
  // signs those same bytes; with 'utf-8' it hands the text to node:http, which writes latin1,
  // while signing UTF-8.
  it('non-ASCII metadata: put and read back with headerEncoding latin1 (UTF-8 bytes sent and signed)', async () => {
    const oss = client({ headerEncoding: 'latin1' });
    const meta = { a: 'café', b: '阿达' };
    const data = randomBytes(64);
    await oss.put(`${prefix}méta-阿达.bin`, data, { meta });
    const stored = emulator.headObject(BUCKET, `${prefix}méta-阿达.bin`)!.headers;
    expect(Buffer.from(stored['x-oss-meta-a']!, 'latin1').toString('utf8')).toBe(meta.a);
    expect(Buffer.from(stored['x-oss-meta-b']!, 'latin1').toString('utf8')).toBe(meta.b);
    const head = await oss.head(`${prefix}méta-阿达.bin`);
    expect(Buffer.from(head.meta['a']!, 'latin1').toString('utf8')).toBe(meta.a);
    expect(Buffer.from(head.meta['b']!, 'latin1').toString('utf8')).toBe(meta.b);
    const got = await oss.get(`${prefix}méta-阿达.bin`);
    expect(Buffer.compare(got.content, data)).toBe(0);
  });

  it('non-ASCII metadata with the default headerEncoding (signed UTF-8, sent latin1) is refused', async () => {
    const err = await failure(
      client().put(`${prefix}meta-latin1.bin`, Buffer.from('x'), { meta: { a: 'café' } }),
    );
    expect(err.status).toBe(403);
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(emulator.headObject(BUCKET, `${prefix}meta-latin1.bin`)).toBeUndefined();
  });

  it('head of a missing object decodes NoSuchKey from x-oss-err', async () => {
    const err = await failure(client().head(`${prefix}missing`));
    expect(err.status).toBe(404);
    expect(err.code).toBe('NoSuchKey');
  });

  it('ranged get returns 206 and the slice', async () => {
    const data = randomBytes(1000);
    await client().put(`${prefix}range.bin`, data);
    const got = await client().get(`${prefix}range.bin`, { headers: { Range: 'bytes=100-199' } });
    expect(got.res.status).toBe(206);
    expect(Buffer.compare(got.content, data.subarray(100, 200))).toBe(0);
  });

  it('a wrong secret gives SignatureDoesNotMatch', async () => {
    const err = await failure(
      client({ accessKeySecret: 'not-the-secret' }).put(`${prefix}x`, Buffer.from('x')),
    );
    expect(err.status).toBe(403);
    expect(err.code).toBe('SignatureDoesNotMatch');
  });

  it('an unknown key id gives InvalidAccessKeyId', async () => {
    const err = await failure(
      client({ accessKeyId: 'LTAInobody' }).put(`${prefix}x`, Buffer.from('x')),
    );
    expect(err.status).toBe(403);
    expect(err.code).toBe('InvalidAccessKeyId');
  });

  it('a wrong Content-MD5 gives InvalidDigest and stores nothing', async () => {
    const err = await failure(
      client().put(`${prefix}digest.bin`, Buffer.from('payload'), {
        headers: { 'Content-MD5': md5HexToBase64(md5Hex('something else')) },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.code).toBe('InvalidDigest');
    expect(emulator.headObject(BUCKET, `${prefix}digest.bin`)).toBeUndefined();
  });

  it('parts listed in reverse order give InvalidPartOrder', async () => {
    const oss = client();
    const name = `${prefix}order.bin`;
    const data = randomBytes(2 * 102400);
    const { uploadId } = await oss.initMultipartUpload(name);
    const p1 = await oss.uploadPart(name, uploadId, 1, data, 0, 102400);
    const p2 = await oss.uploadPart(name, uploadId, 2, data, 102400, 204800);
    // completeMultipartUpload sorts parts itself, so send the XML through the SDK's transport.
    const params = oss._objectRequestParams('POST', name, { subres: { uploadId } });
    params['mime'] = 'xml';
    params['content'] =
      '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>' +
      `<Part><PartNumber>2</PartNumber><ETag>${p2.etag}</ETag></Part>` +
      `<Part><PartNumber>1</PartNumber><ETag>${p1.etag}</ETag></Part>` +
      '</CompleteMultipartUpload>';
    params['successStatuses'] = [200];
    params['xmlResponse'] = true;
    const err = await failure(oss.request(params));
    expect(err.status).toBe(400);
    expect(err.code).toBe('InvalidPartOrder');
    // The upload is untouched and can still be completed properly.
    const done = await oss.completeMultipartUpload(name, uploadId, [
      { number: 1, etag: p1.etag },
      { number: 2, etag: p2.etag },
    ]);
    expect(done.res.status).toBe(200);
  });

  it('a too-small middle part gives EntityTooSmall', async () => {
    const oss = client();
    const name = `${prefix}small-middle.bin`;
    const data = randomBytes(102400 + 10 + 102400);
    const { uploadId } = await oss.initMultipartUpload(name);
    const p1 = await oss.uploadPart(name, uploadId, 1, data, 0, 102400);
    const p2 = await oss.uploadPart(name, uploadId, 2, data, 102400, 102410);
    const p3 = await oss.uploadPart(name, uploadId, 3, data, 102410, data.length);
    const err = await failure(
      oss.completeMultipartUpload(name, uploadId, [
        { number: 1, etag: p1.etag },
        { number: 2, etag: p2.etag },
        { number: 3, etag: p3.etag },
      ]),
    );
    expect(err.status).toBe(400);
    expect(err.code).toBe('EntityTooSmall');
    await oss.abortMultipartUpload(name, uploadId);
  });

  it('after abortMultipartUpload, uploadPart and complete give NoSuchUpload', async () => {
    const oss = client();
    const name = `${prefix}aborted.bin`;
    const data = randomBytes(1000);
    const { uploadId } = await oss.initMultipartUpload(name);
    const p1 = await oss.uploadPart(name, uploadId, 1, data, 0, 1000);
    const listed = await oss.listUploads({ prefix: name });
    expect(listed.uploads.map((u) => u.uploadId)).toEqual([uploadId]);
    const parts = await oss.listParts(name, uploadId);
    // ali-oss's XML parser returns a lone <Part> as an object, not an array.
    expect([parts.parts].flat().map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      ['1', p1.etag, '1000'],
    ]);

    const aborted = await oss.abortMultipartUpload(name, uploadId);
    expect(aborted.res.status).toBe(204);
    const partErr = await failure(oss.uploadPart(name, uploadId, 2, data, 0, 1000));
    expect(partErr.status).toBe(404);
    expect(partErr.code).toBe('NoSuchUpload');
    const completeErr = await failure(
      oss.completeMultipartUpload(name, uploadId, [{ number: 1, etag: p1.etag }]),
    );
    expect(completeErr.status).toBe(404);
    expect(completeErr.code).toBe('NoSuchUpload');
  });
});

function md5HexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
