/**
 * Security:
 * - the XML parser shared by the client and the emulator refuses entity expansion
 *   (billion laughs), external entities (XXE) and oversized bodies;
 * - the client refuses the same from a hostile server (a real HTTP server on 127.0.0.1 that
 *   answers what no emulator would);
 * - the emulator answers a Complete body with a DOCTYPE with 400 MalformedXML;
 * - no key or token escapes into an error, including OSS error bodies that echo the signed
 *   request (SignatureDoesNotMatch carries StringToSign / CanonicalRequest);
 * - no object key escapes the emulator's disk store (a property over random keys);
 * - STS credentials that expire mid-upload are refreshed through the provider.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OssClient } from '../lib/client.ts';
import { OssResponseError, OssUploadError, OssXmlError } from '../lib/errors.ts';
import { MAX_XML_BYTES, parseXml } from '../lib/oss/xml.ts';
import { type EmulatorCredential, startEmulator } from '../lib/testing/index.ts';
import type { PartEvent } from '../lib/upload-stream.ts';
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
import { findSecrets } from './helpers/reliability/secrets.ts';
import { sourceOf } from './helpers/reliability/sources.ts';

const PART = 100 * 1024;

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>&lol9;</UploadId></InitiateMultipartUploadResult>`;

const XXE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>&xxe;</UploadId></InitiateMultipartUploadResult>`;

const XXE_PARAMETER = `<?xml version="1.0"?>
<!doctype r [ <!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd"> %remote; ]>
<ListPartsResult><Part><PartNumber>1</PartNumber></Part></ListPartsResult>`;

/** Valid-looking XML just over the limit (many parts). */
function oversizedListParts(): string {
  const part =
    '<Part><PartNumber>1</PartNumber><ETag>"0123456789ABCDEF0123456789ABCDEF"</ETag><Size>102400</Size></Part>';
  const count = Math.ceil(MAX_XML_BYTES / part.length) + 10;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult><IsTruncated>false</IsTruncated>${part.repeat(count)}</ListPartsResult>`;
}

describe('XML parser (client and emulator share it)', () => {
  it.each([
    ['billion laughs', BILLION_LAUGHS],
    ['XXE (external entity)', XXE],
    ['XXE through a parameter entity, lower-case doctype', XXE_PARAMETER],
    ['an entity declaration without a DOCTYPE', '<!ENTITY x "y"><a>&x;</a>'],
  ])('refuses %s with OssXmlError', (_name, xml) => {
    const started = process.hrtime.bigint();
    expect(() => parseXml(xml)).toThrow(OssXmlError);
    expect(() => parseXml(Buffer.from(xml))).toThrow(OssXmlError);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });

  it('never expands an undeclared entity reference', () => {
    let parsed: unknown;
    try {
      parsed = parseXml('<a><b>&lol9;</b></a>');
    } catch (error) {
      expect(error).toBeInstanceOf(OssXmlError);
      return;
    }
    expect(JSON.stringify(parsed).length).toBeLessThan(100);
  });

  it('a UTF-16 body hiding a DOCTYPE is refused, not expanded', () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BILLION_LAUGHS, 'utf16le')]);
    let parsed: unknown;
    try {
      parsed = parseXml(body);
    } catch (error) {
      expect(error).toBeInstanceOf(OssXmlError);
      return;
    }
    expect(JSON.stringify(parsed)).not.toMatch(/(lol){4}/);
  });

  it('refuses bodies over the limit before parsing', () => {
    const xml = oversizedListParts();
    expect(Buffer.byteLength(xml)).toBeGreaterThan(MAX_XML_BYTES);
    expect(() => parseXml(xml)).toThrow(/exceeds the limit/);
    expect(() => parseXml('<a>0123456789</a>', 10)).toThrow(OssXmlError);
  });
});

describe('the client against a hostile server', () => {
  let server: Server;
  let endpoint: string;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = Buffer.from(answer.body);
        res.writeHead(answer.status, {
          'content-type': 'application/xml',
          'content-length': body.length,
          'x-oss-request-id': '0123456789ABCDEF01234567',
        });
        res.end(body);
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const hostileClient = () =>
    new OssClient({
      endpoint,
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      retry: { maxAttempts: 1 },
    });

  it.each([
    ['billion laughs', BILLION_LAUGHS],
    ['XXE', XXE],
  ])('an InitiateMultipartUpload answer with %s fails with OssXmlError', async (_name, body) => {
    answer = { status: 200, body };
    const client = hostileClient();
    const error = await client.initiateMultipartUpload('k').catch((e: unknown) => e);
    client.close();
    expect(error).toBeInstanceOf(OssXmlError);
  });

  it('a ListParts answer over the size limit is refused, not read as an empty list', async () => {
    answer = { status: 200, body: oversizedListParts() };
    const client = hostileClient();
    const outcome = await client.listParts('k', 'upload-id').then(
      (parts) => `resolved with ${parts.length} parts`,
      (e: unknown) => e,
    );
    client.close();
    expect(outcome).toBeInstanceOf(OssXmlError);
    // It says why: the size, not a parse error of a body that was silently dropped.
    expect((outcome as Error).message).toMatch(/limit/);
  });

  it('an endless answer is cut off near the limit, not buffered whole', async () => {
    // A second server that streams 64 MiB of XML-looking bytes and counts what it got out.
    let written = 0;
    const endless = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = Buffer.from('<Part>x</Part>'.repeat(4096));
      const pump = () => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.write('<?xml version="1.0"?><InitiateMultipartUploadResult>');
      pump();
    });
    endless.listen(0, '127.0.0.1');
    await new Promise((resolve) => endless.once('listening', resolve));
    const client = new OssClient({
      endpoint: `http://127.0.0.1:${(endless.address() as AddressInfo).port}`,
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      retry: { maxAttempts: 1 },
    });
    const error = await client.initiateMultipartUpload('k').catch((e: unknown) => e);
    client.close();
    endless.closeAllConnections();
    await new Promise((resolve) => endless.close(resolve));
    expect(error).toBeInstanceOf(OssXmlError);
    expect.soft((error as Error).message).toMatch(/limit/);
    // Socket buffers let a few MiB more through; the whole 64 MiB must not be read.
    expect(written).toBeLessThan(MAX_XML_BYTES + 16 * 1024 * 1024);
  });

  it('an error answer with a DOCTYPE still gives a typed response error', async () => {
    answer = {
      status: 500,
      body: BILLION_LAUGHS.replace('InitiateMultipartUploadResult', 'Error'),
    };
    const client = hostileClient();
    const error = await client.initiateMultipartUpload('k').catch((e: unknown) => e);
    client.close();
    expect(error).toBeInstanceOf(OssResponseError);
    expect(JSON.stringify(error)).not.toMatch(/(lol){4}/);
  });
});

describe('the emulator refuses hostile XML', () => {
  let oss: OssFixture;
  beforeAll(async () => {
    oss = await startOss();
  });
  afterAll(() => oss.close());

  async function openUpload(key: string) {
    const uploadId = await initiateUpload(oss.emulator, key);
    const etag = await uploadPart(oss.emulator, key, uploadId, 1, Buffer.from('part one'));
    return { uploadId, etag };
  }

  it.each([
    [
      'a DOCTYPE with an external entity',
      (etag: string) =>
        XXE.replace('InitiateMultipartUploadResult', 'CompleteMultipartUpload').replace(
          '<Bucket>b</Bucket><Key>k</Key><UploadId>&xxe;</UploadId>',
          `<Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part>`,
        ),
    ],
    [
      'billion laughs',
      (etag: string) =>
        BILLION_LAUGHS.replace(
          /<InitiateMultipartUploadResult>.*$/s,
          `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}&lol9;</ETag></Part></CompleteMultipartUpload>`,
        ),
    ],
  ])('Complete with %s: 400 MalformedXML, the upload stays open', async (_name, body) => {
    const key = `hostile-xml/${randomBytes(4).toString('hex')}`;
    const { uploadId, etag } = await openUpload(key);
    const res = await ossRequest(oss.emulator, {
      method: 'POST',
      key,
      query: { uploadId },
      headers: { 'content-type': 'application/xml' },
      body: body(etag),
    });
    expect(res.status).toBe(400);
    expect(res.error?.Code).toBe('MalformedXML');
    expect(oss.emulator.headObject(BUCKET, key)).toBeUndefined();
    expect(oss.emulator.listUploads(BUCKET).some((u) => u.uploadId === uploadId)).toBe(true);
    // The same upload completes with a plain body.
    expectStatus(await completeUpload(oss.emulator, key, uploadId, [{ partNumber: 1, etag }]), 200);
  });

  it('Complete with a body over 4 MiB: 400 MalformedXML', async () => {
    const key = 'hostile-xml/oversized';
    const { uploadId, etag } = await openUpload(key);
    const filler = `<!-- ${'x'.repeat(4 * 1024 * 1024)} -->`;
    const res = await ossRequest(oss.emulator, {
      method: 'POST',
      key,
      query: { uploadId },
      headers: { 'content-type': 'application/xml' },
      body: `<CompleteMultipartUpload>${filler}<Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(res.status).toBe(400);
    expect(res.error?.Code).toBe('MalformedXML');
    expect(oss.emulator.headObject(BUCKET, key)).toBeUndefined();
  });
});

describe('secrets in OSS error bodies', () => {
  const good: EmulatorCredential = {
    accessKeyId: `STS.${randomBytes(8).toString('hex')}`,
    accessKeySecret: `sts-secret-${randomBytes(12).toString('hex')}`,
    securityToken: `sts-token-${randomBytes(24).toString('base64url')}`,
  };
  let oss: OssFixture;
  beforeAll(async () => {
    oss = await startOss({ credentials: [good] });
  });
  afterAll(() => oss.close());

  // OSS answers SignatureDoesNotMatch with the StringToSign (V1) or CanonicalRequest (V4) it
  // computed, and both contain the x-oss-security-token header. None of it may reach the error.
  it.each(['v4', 'v1'] as const)(
    'a %s SignatureDoesNotMatch does not carry the security token or the secret',
    async (signatureVersion) => {
      const wrongSecret = `wrong-secret-${randomBytes(12).toString('hex')}`;
      const client = oss.clientWith({
        signatureVersion,
        credentials: { ...good, accessKeySecret: wrongSecret },
      });
      const stream = client.createUploadStream(`sig/${signatureVersion}`, { partSize: PART });
      const error = await pipeline(sourceOf(patternBytes(3 * PART)), stream).catch(
        (e: unknown) => e,
      );
      expect(stream.uploadError).toBeInstanceOf(OssUploadError);
      expect(stream.uploadError?.cause).toMatchObject({ ossCode: 'SignatureDoesNotMatch' });
      const secrets = [good.accessKeySecret, good.securityToken as string, wrongSecret];
      expect(findSecrets([error, stream.uploadError, stream.errored], secrets)).toEqual([]);
    },
  );
});

describe('the disk store cannot be escaped by any key', () => {
  it('a property over random path-like keys: only blob files inside dir, every key reads back', {
    timeout: 120_000,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'emu-escape-'));
    const dir = join(root, 'store');
    const emulator = await startEmulator({ dir, buckets: [BUCKET] });
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.log(`disk escape property seed: FC_SEED=${seed}`);
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '',
        '...',
        '%2e%2e',
        '..%2f',
        '~',
        'C:',
        '\\..',
        '..\\..',
        'blobs',
        'emulator-index.json',
        root.slice(1),
        '/etc/passwd',
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
    );
    const key = fc
      .array(segment, { minLength: 1, maxLength: 12 })
      .chain((parts) => fc.constantFrom('/', '\\').map((sep) => parts.join(sep)))
      .filter(
        (k) =>
          k.length > 0 &&
          Buffer.byteLength(k) <= 1023 &&
          !k.startsWith('/') &&
          !k.startsWith('\\') &&
          !k.includes('\0') &&
          k.isWellFormed(),
      );
    const written = new Map<string, string>();
    try {
      await fc.assert(
        fc.asyncProperty(key, async (k) => {
          const body = `v:${written.size}:${k}`;
          const res = await ossRequest(emulator, { method: 'PUT', key: k, body });
          expect(res.status, res.body.toString()).toBe(200);
          written.set(k, body);
          expect((await emulator.getObject(BUCKET, k))?.toString()).toBe(body);
        }),
        { numRuns: Number(process.env.OSS_ESCAPE_RUNS ?? 300), seed },
      );
      for (const [k, body] of written) {
        expect((await emulator.getObject(BUCKET, k))?.toString()).toBe(body);
      }
    } finally {
      await emulator.close();
    }
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => !e.isDirectory())
      .map((e) => relative(root, join(e.parentPath, e.name)));
    for (const file of files)
      expect(file).toMatch(/^store\/(blobs\/[0-9a-f]{32}|emulator-index\.json)$/);
    const dirs = entries
      .filter((e) => e.isDirectory())
      .map((e) => relative(root, join(e.parentPath, e.name)));
    expect(dirs.sort()).toEqual(['store', 'store/blobs']);
    await rm(root, { recursive: true, force: true });
  });
});

describe('STS credentials that expire mid-upload', () => {
  it('are refreshed through the provider and the upload continues', {
    timeout: 60_000,
  }, async () => {
    const expiring: EmulatorCredential = {
      accessKeyId: `STS.first${randomBytes(6).toString('hex')}`,
      accessKeySecret: `first-secret-${randomBytes(12).toString('hex')}`,
      securityToken: `first-token-${randomBytes(24).toString('base64url')}`,
      // Expired from the spec (setTime) once a few parts are in: the emulator reads this Date.
      expiresAt: new Date(Date.now() + 10 * 60 * 1000),
    };
    const renewed: EmulatorCredential = {
      accessKeyId: `STS.second${randomBytes(6).toString('hex')}`,
      accessKeySecret: `second-secret-${randomBytes(12).toString('hex')}`,
      securityToken: `second-token-${randomBytes(24).toString('base64url')}`,
    };
    // The first entry (a permanent key) is the fixture's own client, used to check the result.
    const permanent: EmulatorCredential = {
      accessKeyId: `LTAI${randomBytes(8).toString('hex')}`,
      accessKeySecret: randomBytes(15).toString('hex'),
    };
    const oss = await startOss({ credentials: [permanent, expiring, renewed] });
    try {
      const handedOut: string[] = [];
      let invalidated = false;
      const provider = async () => {
        // The first answer stands until the client asks again (after SecurityTokenExpired).
        const entry = handedOut.length === 0 ? expiring : renewed;
        if (handedOut.length > 0) invalidated = true;
        handedOut.push(entry.accessKeyId);
        return {
          accessKeyId: entry.accessKeyId,
          accessKeySecret: entry.accessKeySecret,
          securityToken: entry.securityToken,
        };
      };
      const client = oss.clientWith({ credentials: provider });
      // Slow parts, so that parts are in flight when the token expires.
      oss.emulator.faults.add({
        operation: 'UploadPart',
        kind: 'stall',
        ms: 150,
        times: Number.POSITIVE_INFINITY,
      });
      const data = patternBytes(24 * PART + 77, 5);
      const stream = client.createUploadStream('sts/expiring', { partSize: PART, concurrency: 2 });
      const partTimes: number[] = [];
      const events: unknown[] = [];
      stream.on('part', (p: PartEvent) => {
        partTimes.push(Date.now());
        events.push(p);
        // The token expires with the upload well under way.
        if (partTimes.length === 3) expiring.expiresAt?.setTime(Date.now());
      });
      stream.on('progress', (p) => events.push(p));
      await pipeline(sourceOf(data, { chunkSize: 32 * 1024 }), stream);
      oss.emulator.faults.clear();

      const expiry = expiring.expiresAt!.getTime();
      expect(partTimes.filter((t) => t <= expiry).length).toBeGreaterThan(0);
      expect(partTimes.filter((t) => t > expiry).length).toBeGreaterThan(0);
      expect(invalidated).toBe(true);
      expect(handedOut[0]).toBe(expiring.accessKeyId);
      expect(handedOut.at(-1)).toBe(renewed.accessKeyId);
      // One refresh per wave of expired requests in flight at most.
      expect(handedOut.length).toBeLessThanOrEqual(1 + 2);
      expect(await md5OfObject(oss.client, 'sts/expiring')).toEqual({
        md5: md5(data),
        size: data.length,
      });
      expect((await oss.client.headObject('sts/expiring')).crc64).toBe(stream.result?.crc64);
      const secrets = [expiring, renewed].flatMap((c) => [c.accessKeySecret, c.securityToken!]);
      expect(findSecrets([stream.result, ...events], secrets)).toEqual([]);
    } finally {
      await oss.close();
    }
  });
});
