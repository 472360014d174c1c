/**
 * One test per rule the emulator enforces (docs/emulator.md), over real
 * HTTP with deliberately built (and broken) requests.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../lib/checksum/crc64.ts';
import { childOf, listOf, textOf } from '../lib/oss/xml.ts';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import {
  completeUpload,
  expectStatus,
  initiateUpload,
  md5Base64,
  md5Hex,
  ossRequest,
  type RawResponse,
  uploadPart,
} from './helpers/raw-oss.ts';

const MIN = 102400;
let emu: Emulator;
let counter = 0;
/** A fresh key per test so tests never see each other's objects. */
const fresh = (name = 'k') => `rules/${++counter}/${name}`;

beforeAll(async () => {
  emu = await startEmulator({ buckets: ['test-bucket', 'other-bucket'] });
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => {
  emu.clock.offsetMs = 0;
  emu.faults.clear();
});

function expectError(
  res: RawResponse,
  status: number,
  code: string,
  ec?: string,
): Record<string, string> {
  expect(res.status, res.body.toString()).toBe(status);
  expect(res.error?.['Code']).toBe(code);
  if (ec !== undefined) expect(res.error?.['EC']).toBe(ec);
  return res.error!;
}

async function putObject(key: string, body: Buffer | string, headers: Record<string, string> = {}) {
  return expectStatus(await ossRequest(emu, { method: 'PUT', key, body, headers }), 200);
}

async function getBytes(key: string): Promise<Buffer> {
  return expectStatus(await ossRequest(emu, { method: 'GET', key }), 200).body;
}

describe('responses', () => {
  it('carry x-oss-request-id (24 uppercase hex), Date and Server: AliyunOSS', async () => {
    const res = await putObject(fresh(), 'x');
    expect(res.headers['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);
    expect(res.headers['server']).toBe('AliyunOSS');
    expect(Math.abs(Date.parse(String(res.headers['date'])) - Date.now())).toBeLessThan(5000);
  });

  it('errors are OSS XML with Code, Message, RequestId = header, HostId, EC', async () => {
    const res = await ossRequest(emu, { method: 'GET', key: fresh('missing') });
    const error = expectError(res, 404, 'NoSuchKey', '0026-00000001');
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.body.toString()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(error['RequestId']).toBe(res.headers['x-oss-request-id']);
    expect(error['HostId']).toBe(new URL(emu.endpoint).host);
    expect(error['Message']).toBeTruthy();
  });

  it('HEAD errors have no body and carry the error XML base64-encoded in x-oss-err', async () => {
    const res = await ossRequest(emu, { method: 'HEAD', key: fresh('missing') });
    expect(res.status).toBe(404);
    expect(res.body.length).toBe(0);
    expect(res.headers['x-oss-err']).toBeTruthy();
    expect(res.error?.['Code']).toBe('NoSuchKey');
  });

  it('unsupported sub-resources answer NotImplemented', async () => {
    const key = fresh();
    await putObject(key, 'x');
    expectError(
      await ossRequest(emu, { method: 'GET', key, query: { acl: '' } }),
      501,
      'NotImplemented',
    );
  });
});

describe('addressing and keys', () => {
  it('virtual-hosted and path-style requests reach the same object', async () => {
    const key = fresh();
    expectStatus(
      await ossRequest(emu, { method: 'PUT', key, body: 'vhost', virtualHosted: true }),
      200,
    );
    expect((await getBytes(key)).toString()).toBe('vhost');
    const viaHost = await ossRequest(emu, { method: 'GET', key, virtualHosted: true, sign: 'v1' });
    expect(viaHost.body.toString()).toBe('vhost');
  });

  it('keys keep `.`/`..` segments, `//`, `%2F`, `+`, spaces and non-ASCII (no URL normalisation)', async () => {
    const base = fresh('dir');
    const keys = [
      `${base}/a/../b`,
      `${base}/./c`,
      `${base}//d`,
      `${base}/e%2Ff`,
      `${base}/g+h i`,
      `${base}/ü😀`,
    ];
    for (const [i, key] of keys.entries()) await putObject(key, `v${i}`);
    for (const [i, key] of keys.entries()) expect((await getBytes(key)).toString()).toBe(`v${i}`);
    expect(emu.headObject('test-bucket', `${base}/b`)).toBeUndefined();
    expect(emu.headObject('test-bucket', `${base}/c`)).toBeUndefined();
    expect(emu.headObject('test-bucket', `${base}/a/../b`)?.size).toBe(2);
  });

  it('a literally encoded dot-dot path is decoded, not resolved', async () => {
    const base = fresh('raw');
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: `${base}/x/../y`,
      body: 'dots',
      rawPath: `/test-bucket/${base}/x/%2e%2e/y`,
    });
    expectStatus(res, 200);
    expect(emu.headObject('test-bucket', `${base}/x/../y`)?.size).toBe(4);
  });

  it('`+` in query values stays `+` (not a space)', async () => {
    const key = `${fresh()}a+b`;
    await initiateUpload(emu, key);
    const res = expectStatus(
      await ossRequest(emu, { method: 'GET', query: { uploads: '', prefix: key } }),
      200,
    );
    const uploads = listOf(childOf(res.xml, 'ListMultipartUploadsResult'), 'Upload');
    expect(uploads.map((u) => textOf(u, 'Key'))).toEqual([key]);
  });

  it('InvalidObjectName: empty key for an upload (EC 0016-00000001)', async () => {
    const res = await ossRequest(emu, { method: 'POST', key: '', query: { uploads: '' } });
    expectError(res, 400, 'InvalidObjectName', '0016-00000001');
  });

  it('InvalidObjectName: longer than 1023 UTF-8 bytes (EC 0016-00000002); 1023 is fine', async () => {
    const ok = `rules/${'é'.repeat(508)}x`; // 6 + 1016 + 1 = 1023 bytes
    expect(Buffer.byteLength(ok)).toBe(1023);
    await putObject(ok, 'x');
    const res = await ossRequest(emu, { method: 'PUT', key: `${ok}y`, body: 'x' });
    expectError(res, 400, 'InvalidObjectName', '0016-00000002');
  });

  it('InvalidObjectName: leading `/` or `\\` (EC 0016-00000005)', async () => {
    for (const key of ['/abs/path', '\\back']) {
      const res = await ossRequest(emu, { method: 'PUT', key, body: 'x' });
      expectError(res, 400, 'InvalidObjectName', '0016-00000005');
    }
  });

  it('InvalidObjectName: bytes that are not UTF-8, and NUL', async () => {
    for (const raw of ['/test-bucket/bad%FFkey', '/test-bucket/nul%00key']) {
      const res = await ossRequest(emu, { method: 'PUT', body: 'x', rawPath: raw, sign: false });
      expectError(res, 400, 'InvalidObjectName');
    }
  });

  it('control characters other than NUL are allowed in keys', async () => {
    const key = `${fresh()}\u0001\u001f\u007f`;
    await putObject(key, 'ctl');
    expect((await getBytes(key)).toString()).toBe('ctl');
  });
});

describe('buckets', () => {
  it('NoSuchBucket (404) names the bucket', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      bucket: 'no-such-bucket',
      key: 'k',
      body: 'x',
    });
    expect(expectError(res, 404, 'NoSuchBucket')['BucketName']).toBe('no-such-bucket');
  });

  it('InvalidBucketName (400) for names breaking the bucket naming rules', async () => {
    for (const bucket of ['ab', 'Upper-Case', '-dash', 'dash-', 'under_score']) {
      const res = await ossRequest(emu, { method: 'PUT', bucket, key: 'k', body: 'x' });
      expectError(res, 400, 'InvalidBucketName');
    }
  });

  it('PUT / on a bucket creates it (idempotent); createBucket() does too', async () => {
    expectStatus(await ossRequest(emu, { method: 'PUT', bucket: 'made-by-put', key: '' }), 200);
    expectStatus(await ossRequest(emu, { method: 'PUT', bucket: 'made-by-put', key: '' }), 200);
    expectStatus(
      await ossRequest(emu, { method: 'PUT', bucket: 'made-by-put', key: 'k', body: 'x' }),
      200,
    );
    emu.createBucket('made-by-api');
    expectStatus(
      await ossRequest(emu, { method: 'PUT', bucket: 'made-by-api', key: 'k', body: 'x' }),
      200,
    );
    expect(() => emu.createBucket('Bad_Name')).toThrow(TypeError);
  });
});

describe('authentication', () => {
  it('anonymous requests are AccessDenied', async () => {
    const res = await ossRequest(emu, { method: 'PUT', key: fresh(), body: 'x', sign: false });
    expectError(res, 403, 'AccessDenied');
  });

  it('an unknown AccessKeyId is InvalidAccessKeyId', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      credentials: { accessKeyId: 'LTAInobody', accessKeySecret: 'x' },
    });
    expect(expectError(res, 403, 'InvalidAccessKeyId')['OSSAccessKeyId']).toBe('LTAInobody');
  });

  it('V1 mismatch: SignatureDoesNotMatch with the server StringToSign and its bytes', async () => {
    const key = fresh('v1');
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      body: 'x',
      sign: 'v1',
      signAs: { key: 'other' },
    });
    const error = expectError(res, 403, 'SignatureDoesNotMatch', '0002-00000040');
    expect(error['StringToSign']).toMatch(
      new RegExp(`^PUT\\n\\n\\n.+\\nx-oss-date:.+\\n/test-bucket/${key}$`),
    );
    const bytes = Buffer.from(error['StringToSign']!, 'utf8');
    expect(error['StringToSignBytes']).toBe(
      [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '),
    );
    expect(error['SignatureProvided']).toBeTruthy();
  });

  it('V4 mismatch: SignatureDoesNotMatch with StringToSign and CanonicalRequest', async () => {
    const key = fresh('v4');
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      body: 'x',
      credentials: { accessKeyId: emu.credentials.accessKeyId, accessKeySecret: 'wrong' },
    });
    const error = expectError(res, 403, 'SignatureDoesNotMatch');
    expect(error['StringToSign']).toMatch(
      /^OSS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request\n[0-9a-f]{64}$/,
    );
    expect(error['CanonicalRequest']).toContain(`/test-bucket/${key}`);
  });

  it('a correct signature over a tampered header fails (Content-Type is signed)', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      headers: { 'content-type': 'text/plain' },
      afterSign: (h) => {
        h['content-type'] = 'text/html';
      },
    });
    expectError(res, 403, 'SignatureDoesNotMatch');
  });

  it('V4: the scope region must be the server region', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      region: 'cn-beijing',
    });
    expectError(res, 403, 'AccessDenied');
  });

  it('V4: the scope day must be the day of x-oss-date', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      afterSign: (h) => {
        h['authorization'] = h['authorization']!.replace(
          /Credential=([^/]+)\/\d{8}\//,
          'Credential=$1/20000101/',
        );
      },
    });
    expectError(res, 403, 'AccessDenied');
  });

  it('RequestTimeTooSkewed beyond 15 minutes (V1 and V4), with RequestTime/ServerTime and a true Date', async () => {
    for (const sign of ['v1', 'v4'] as const) {
      const now = new Date(Date.now() - 16 * 60 * 1000);
      const res = await ossRequest(emu, { method: 'PUT', key: fresh(), body: 'x', sign, now });
      const error = expectError(res, 403, 'RequestTimeTooSkewed', '0002-00000504');
      expect(error['RequestTime']).toBeTruthy();
      expect(Math.abs(Date.parse(error['ServerTime']!) - Date.now())).toBeLessThan(5000);
      expect(Math.abs(Date.parse(String(res.headers['date'])) - Date.now())).toBeLessThan(5000);
    }
  });

  it('14 minutes of skew is accepted', async () => {
    const now = new Date(Date.now() + 14 * 60 * 1000);
    expectStatus(await ossRequest(emu, { method: 'PUT', key: fresh(), body: 'x', now }), 200);
  });

  it('clock.offsetMs moves the server clock: Date header and skew check follow it', async () => {
    emu.clock.offsetMs = 60 * 60 * 1000;
    const res = await ossRequest(emu, { method: 'PUT', key: fresh(), body: 'x' });
    expectError(res, 403, 'RequestTimeTooSkewed');
    const serverDate = Date.parse(String(res.headers['date']));
    expect(Math.abs(serverDate - (Date.now() + 3600_000))).toBeLessThan(5000);
    // A client that corrects its clock from the Date header succeeds.
    const fixed = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      now: new Date(serverDate),
    });
    expectStatus(fixed, 200);
  });
});

describe('STS credentials', () => {
  let sts: Emulator;
  const permanent = { accessKeyId: 'LTAIpermanent', accessKeySecret: 'permanent-secret' };
  const temporary = {
    accessKeyId: 'STS.temporary',
    accessKeySecret: 'temp-secret',
    securityToken: 'the-token',
  };
  const expired = {
    accessKeyId: 'STS.expired',
    accessKeySecret: 'old-secret',
    securityToken: 'old-token',
    expiresAt: new Date(Date.now() - 1000),
  };
  beforeAll(async () => {
    sts = await startEmulator({ credentials: [permanent, temporary, expired] });
  });
  afterAll(async () => {
    await sts.close();
  });

  it('exposes the first key-table entry as credentials; every entry works', async () => {
    expect(sts.credentials).toEqual(permanent);
    expectStatus(
      await ossRequest(sts, { method: 'PUT', key: 'a', body: 'x', credentials: permanent }),
      200,
    );
    expectStatus(
      await ossRequest(sts, {
        method: 'PUT',
        key: 'b',
        body: 'x',
        credentials: temporary,
        sign: 'v1',
      }),
      200,
    );
    expectStatus(
      await ossRequest(sts, { method: 'PUT', key: 'c', body: 'x', credentials: temporary }),
      200,
    );
  });

  it('a temporary key without its token is denied (EC 0002-00000003)', async () => {
    const creds = {
      accessKeyId: temporary.accessKeyId,
      accessKeySecret: temporary.accessKeySecret,
    };
    const res = await ossRequest(sts, { method: 'PUT', key: 'x', body: 'x', credentials: creds });
    expectError(res, 403, 'AccessDenied', '0002-00000003');
  });

  it('a wrong token is InvalidSecurityToken', async () => {
    const res = await ossRequest(sts, {
      method: 'PUT',
      key: 'x',
      body: 'x',
      credentials: { ...temporary, securityToken: 'forged' },
    });
    expectError(res, 403, 'InvalidSecurityToken', '0002-00000006');
  });

  it('a token sent with a permanent key is InvalidSecurityToken', async () => {
    const res = await ossRequest(sts, {
      method: 'PUT',
      key: 'x',
      body: 'x',
      credentials: { ...permanent, securityToken: 'why' },
    });
    expectError(res, 403, 'InvalidSecurityToken');
  });

  it('an expired token is SecurityTokenExpired (EC 0002-00000007)', async () => {
    const res = await ossRequest(sts, { method: 'PUT', key: 'x', body: 'x', credentials: expired });
    expectError(res, 403, 'SecurityTokenExpired', '0002-00000007');
  });
});

describe('PutObject, HeadObject, GetObject, DeleteObject', () => {
  it('PutObject answers ETag = quoted uppercase MD5, Content-MD5 and the CRC-64', async () => {
    const body = randomBytes(5000);
    const res = await putObject(fresh(), body);
    expect(res.headers['etag']).toBe(`"${md5Hex(body)}"`);
    expect(res.headers['content-md5']).toBe(md5Base64(body));
    expect(res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body).toString());
  });

  it('stores metadata headers and returns them on HEAD and GET', async () => {
    const key = fresh();
    const headers = {
      'content-type': 'text/csv',
      'cache-control': 'no-cache',
      'content-disposition': 'attachment; filename="a.csv"',
      'content-encoding': 'identity',
      expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
      'x-oss-meta-owner': 'alice',
      'x-oss-storage-class': 'IA',
      'x-oss-server-side-encryption': 'AES256',
      'x-oss-object-acl': 'private',
      'x-oss-tagging': 'a=1&b=2',
    };
    await putObject(key, 'a,b\n', headers);
    for (const method of ['HEAD', 'GET']) {
      const res = expectStatus(await ossRequest(emu, { method, key }), 200);
      for (const [name, value] of Object.entries(headers))
        expect(res.headers[name], name).toBe(value);
      expect(res.headers['x-oss-tagging-count']).toBe('2');
      expect(res.headers['x-oss-object-type']).toBe('Normal');
      expect(res.headers['content-length']).toBe('4');
      expect(res.headers['last-modified']).toMatch(/GMT$/);
      expect(res.headers['x-oss-hash-crc64ecma']).toBe(crc64(Buffer.from('a,b\n')).toString());
    }
    expect(emu.headObject('test-bucket', key)?.headers['x-oss-meta-owner']).toBe('alice');
  });

  it('invalid header values are InvalidArgument (storage class)', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      headers: { 'x-oss-storage-class': 'Glacier' },
    });
    expect(expectError(res, 400, 'InvalidArgument')['ArgumentName']).toBe('x-oss-storage-class');
  });

  it('a malformed Content-MD5 is InvalidDigest (EC 0017-00000502)', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      headers: { 'content-md5': 'abc' },
    });
    expectError(res, 400, 'InvalidDigest', '0017-00000502');
  });

  it('a wrong Content-MD5 is InvalidDigest (EC 0017-00000503) and nothing is stored', async () => {
    const key = fresh();
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      body: 'x',
      headers: { 'content-md5': md5Base64('y') },
    });
    expectError(res, 400, 'InvalidDigest', '0017-00000503');
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
  });

  it('PutObject without Content-Length accepts a chunked body', async () => {
    const key = fresh();
    const body = randomBytes(3000);
    expectStatus(await ossRequest(emu, { method: 'PUT', key, body, chunked: true }), 200);
    expect(Buffer.compare(await getBytes(key), body)).toBe(0);
  });

  it('x-oss-forbid-overwrite: true on PutObject gives FileAlreadyExists 409', async () => {
    const key = fresh();
    await putObject(key, 'first');
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      body: 'second',
      headers: { 'x-oss-forbid-overwrite': 'true' },
    });
    expectError(res, 409, 'FileAlreadyExists');
    expect((await getBytes(key)).toString()).toBe('first');
    await putObject(key, 'third', { 'x-oss-forbid-overwrite': 'false' });
    expect((await getBytes(key)).toString()).toBe('third');
  });

  it('GET of a missing key is NoSuchKey with an XML body', async () => {
    const res = await ossRequest(emu, { method: 'GET', key: fresh() });
    expectError(res, 404, 'NoSuchKey');
    expect(res.body.length).toBeGreaterThan(0);
  });

  it('GET ranges: a-b, a-, -n give 206 with Content-Range', async () => {
    const key = fresh();
    const body = randomBytes(1000);
    await putObject(key, body);
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      ['bytes=10-19', 10, 19],
      ['bytes=990-', 990, 999],
      ['bytes=-5', 995, 999],
      ['bytes=0-999', 0, 999],
    ];
    for (const [range, a, b] of cases) {
      const res = await ossRequest(emu, { method: 'GET', key, headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${a}-${b}/1000`);
      expect(Buffer.compare(res.body, body.subarray(a, b + 1))).toBe(0);
    }
  });

  it('GET ranges OSS cannot honour return the whole object with 200 (OSS quirk)', async () => {
    const key = fresh();
    const body = randomBytes(100);
    await putObject(key, body);
    for (const range of [
      'bytes=100-',
      'bytes=50-100',
      'bytes=20-10',
      'bytes=-200',
      'bytes=0-1,3-4',
      'items=0-1',
    ]) {
      const res = await ossRequest(emu, { method: 'GET', key, headers: { range } });
      expect(res.status, range).toBe(200);
      expect(res.headers['content-range']).toBeUndefined();
      expect(Buffer.compare(res.body, body)).toBe(0);
    }
  });

  it('x-oss-range-behavior: standard clips the end and gives 416 InvalidRange past the size', async () => {
    const key = fresh();
    const body = randomBytes(100);
    await putObject(key, body);
    const standard = { 'x-oss-range-behavior': 'standard' };
    const clipped = await ossRequest(emu, {
      method: 'GET',
      key,
      headers: { ...standard, range: 'bytes=50-1000' },
    });
    expect(clipped.status).toBe(206);
    expect(clipped.headers['content-range']).toBe('bytes 50-99/100');
    expect(Buffer.compare(clipped.body, body.subarray(50))).toBe(0);
    const past = await ossRequest(emu, {
      method: 'GET',
      key,
      headers: { ...standard, range: 'bytes=100-' },
    });
    expectError(past, 416, 'InvalidRange');
  });

  it('response-content-type and friends override GET response headers', async () => {
    const key = fresh();
    await putObject(key, 'x');
    const res = await ossRequest(emu, {
      method: 'GET',
      key,
      query: { 'response-content-type': 'text/x-test', 'response-cache-control': 'max-age=5' },
    });
    expect(res.headers['content-type']).toBe('text/x-test');
    expect(res.headers['cache-control']).toBe('max-age=5');
  });

  it('DeleteObject answers 204, also for a missing key', async () => {
    const key = fresh();
    await putObject(key, 'x');
    expectStatus(await ossRequest(emu, { method: 'DELETE', key }), 204);
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
    expectStatus(await ossRequest(emu, { method: 'DELETE', key }), 204);
  });
});

describe('InitiateMultipartUpload', () => {
  it('answers Bucket, Key and a 32-hex UploadId; does not touch an existing object', async () => {
    const key = fresh();
    await putObject(key, 'existing');
    const res = expectStatus(
      await ossRequest(emu, { method: 'POST', key, query: { uploads: '' } }),
      200,
    );
    const result = childOf(res.xml, 'InitiateMultipartUploadResult');
    expect(textOf(result, 'Bucket')).toBe('test-bucket');
    expect(textOf(result, 'Key')).toBe(key);
    expect(textOf(result, 'UploadId')).toMatch(/^[0-9A-F]{32}$/);
    expect((await getBytes(key)).toString()).toBe('existing');
  });

  it('encoding-type=url percent-encodes the key and says so', async () => {
    const key = `${fresh()} +/é`;
    const res = await ossRequest(emu, {
      method: 'POST',
      key,
      query: { uploads: '', 'encoding-type': 'url' },
    });
    const result = childOf(res.xml, 'InitiateMultipartUploadResult');
    expect(textOf(result, 'EncodingType')).toBe('url');
    expect(textOf(result, 'Key')).toBe(
      key.replace(/\//g, '%2F').replace(' ', '%20').replace('+', '%2B').replace('é', '%C3%A9'),
    );
  });

  it('encoding-type other than url is InvalidArgument', async () => {
    const res = await ossRequest(emu, {
      method: 'POST',
      key: fresh(),
      query: { uploads: '', 'encoding-type': 'xml' },
    });
    expectError(res, 400, 'InvalidArgument');
  });

  it('x-oss-forbid-overwrite: true with an existing object gives FileAlreadyExists', async () => {
    const key = fresh();
    await putObject(key, 'x');
    const res = await ossRequest(emu, {
      method: 'POST',
      key,
      query: { uploads: '' },
      headers: { 'x-oss-forbid-overwrite': 'true' },
    });
    expectError(res, 409, 'FileAlreadyExists');
  });

  it('one key may have several uploads at once', async () => {
    const key = fresh();
    const a = await initiateUpload(emu, key);
    const b = await initiateUpload(emu, key);
    expect(a).not.toBe(b);
    expect(
      emu
        .listUploads('test-bucket')
        .filter((u) => u.key === key)
        .map((u) => u.uploadId),
    ).toEqual([a, b]);
  });
});

describe('UploadPart', () => {
  it('answers the part ETag, Content-MD5 and CRC-64', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const body = Buffer.from('upload part 1');
    const res = expectStatus(
      await ossRequest(emu, { method: 'PUT', key, query: { partNumber: '1', uploadId: id }, body }),
      200,
    );
    expect(res.headers['etag']).toBe('"BCE8F3D48247C5D555BB5697BF277B35"');
    expect(res.headers['content-md5']).toBe('vOjz1IJHxdVVu1aXvyd7NQ==');
    expect(res.headers['x-oss-hash-crc64ecma']).toBe('6571598172666981661');
  });

  it('part numbers outside 1..10000 or not integers are InvalidArgument (EC 0017-00000220)', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    for (const partNumber of ['0', '10001', 'abc', '1.5', '-1', '']) {
      const res = await ossRequest(emu, {
        method: 'PUT',
        key,
        query: { partNumber, uploadId: id },
        body: 'x',
      });
      const error = expectError(res, 400, 'InvalidArgument', '0017-00000220');
      expect(error['ArgumentName']).toBe('PartNumber');
      expect(error['ArgumentValue']).toBe(partNumber);
    }
    await uploadPart(emu, key, id, 1, Buffer.from('x'));
    await uploadPart(emu, key, id, 10000, Buffer.from('x'));
  });

  it('an unknown upload id, or one for another key, is NoSuchUpload with the UploadId', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const unknown = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId: 'NOPE' },
      body: 'x',
    });
    expect(expectError(unknown, 404, 'NoSuchUpload', '0017-00000244')['UploadId']).toBe('NOPE');
    const otherKey = await ossRequest(emu, {
      method: 'PUT',
      key: `${key}-other`,
      query: { partNumber: '1', uploadId: id },
      body: 'x',
    });
    expectError(otherKey, 404, 'NoSuchUpload');
  });

  it('a malformed Content-MD5 is InvalidDigest (EC 0017-00000502)', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId: id },
      body: 'x',
      headers: { 'content-md5': 'not base64 at all' },
    });
    expectError(res, 400, 'InvalidDigest', '0017-00000502');
  });

  it('a wrong Content-MD5 is InvalidDigest (EC 0017-00000503) and the part is not stored', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId: id },
      body: 'x',
      headers: { 'content-md5': md5Base64('y') },
    });
    expectError(res, 400, 'InvalidDigest', '0017-00000503');
    expect(emu.listUploads('test-bucket').find((u) => u.uploadId === id)?.parts).toBe(0);
  });

  it('a part without Content-Length is MissingContentLength 411', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId: id },
      body: 'chunked body',
      chunked: true,
    });
    expectError(res, 411, 'MissingContentLength');
  });

  it('a part larger than 5 GiB is EntityTooLarge (refused from Content-Length, before any body)', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId: id },
      headers: { 'content-length': String(5 * 1024 ** 3 + 1) },
    });
    expectError(res, 400, 'EntityTooLarge');
    expect(res.headers['connection']).toBe('close');
  });

  it('re-uploading a part number overwrites it', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    await uploadPart(emu, key, id, 1, Buffer.from('first version'));
    const etag = await uploadPart(emu, key, id, 1, Buffer.from('second'));
    expect(etag).toBe(`"${md5Hex('second')}"`);
    const done = await completeUpload(emu, key, id, [{ partNumber: 1, etag }]);
    expectStatus(done, 200);
    expect((await getBytes(key)).toString()).toBe('second');
  });

  it('echoes the server-side encryption chosen at Initiate', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key, {
      headers: {
        'x-oss-server-side-encryption': 'KMS',
        'x-oss-server-side-encryption-key-id': 'kms-1',
      },
    });
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId: id },
      body: 'x',
    });
    expect(res.headers['x-oss-server-side-encryption']).toBe('KMS');
    expect(res.headers['x-oss-server-side-encryption-key-id']).toBe('kms-1');
  });
});

describe('CompleteMultipartUpload', () => {
  const a = Buffer.alloc(MIN, 'a');
  const b = Buffer.alloc(MIN, 'b');
  const hello = Buffer.from('hello');

  async function threeParts(key: string) {
    const id = await initiateUpload(emu, key, {
      headers: { 'content-type': 'text/plain', 'x-oss-meta-step': 'init' },
    });
    const etags = [
      await uploadPart(emu, key, id, 1, a),
      await uploadPart(emu, key, id, 2, b),
      await uploadPart(emu, key, id, 3, hello),
    ];
    return { id, parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })) };
  }

  it('worked example: combined CRC-64 and the S3-style multipart ETag; object readable and typed Multipart', async () => {
    const key = fresh('example.bin');
    const { id, parts } = await threeParts(key);
    const res = expectStatus(await completeUpload(emu, key, id, parts), 200);
    expect(res.headers['x-oss-hash-crc64ecma']).toBe('432834758551373198');
    expect(res.headers['etag']).toBe('"3E6256E12997E3BE4917D5844DE2C38C-3"');
    const result = childOf(res.xml, 'CompleteMultipartUploadResult');
    expect(textOf(result, 'ETag')).toBe('"3E6256E12997E3BE4917D5844DE2C38C-3"');
    expect(textOf(result, 'Bucket')).toBe('test-bucket');
    expect(textOf(result, 'Key')).toBe(key);
    expect(textOf(result, 'Location')).toBe(`${emu.endpoint}/test-bucket/${key}`);
    const head = expectStatus(await ossRequest(emu, { method: 'HEAD', key }), 200);
    expect(head.headers['x-oss-object-type']).toBe('Multipart');
    expect(head.headers['x-oss-hash-crc64ecma']).toBe('432834758551373198');
    expect(head.headers['content-length']).toBe('204805');
    expect(head.headers['content-type']).toBe('text/plain');
    expect(head.headers['x-oss-meta-step']).toBe('init');
    expect(Buffer.compare(await getBytes(key), Buffer.concat([a, b, hello]))).toBe(0);
    // Ranges across part boundaries are assembled from the parts.
    const span = await ossRequest(emu, {
      method: 'GET',
      key,
      headers: { range: `bytes=${MIN - 2}-${2 * MIN + 1}` },
    });
    expect(span.body.toString()).toBe(`aa${'b'.repeat(MIN)}he`);
  });

  it('encoding-type=url encodes the Key in the result', async () => {
    const key = `${fresh()} é`;
    const id = await initiateUpload(emu, key);
    const etag = await uploadPart(emu, key, id, 1, hello);
    const res = await completeUpload(emu, key, id, [{ partNumber: 1, etag }], {
      query: { uploadId: id, 'encoding-type': 'url' },
    });
    const result = childOf(res.xml, 'CompleteMultipartUploadResult');
    expect(textOf(result, 'EncodingType')).toBe('url');
    expect(textOf(result, 'Key')).toBe(
      key.replace(/\//g, '%2F').replace(' ', '%20').replace('é', '%C3%A9'),
    );
  });

  it('ETags match with ", &quot;, &#34; or no quotes, in any case', async () => {
    for (const quote of ['"', '&quot;', '&#34;', '']) {
      const key = fresh();
      const id = await initiateUpload(emu, key);
      const etag = (await uploadPart(emu, key, id, 1, hello)).replace(/"/g, '').toLowerCase();
      expectStatus(
        await completeUpload(emu, key, id, [{ partNumber: 1, etag: `${quote}${etag}${quote}` }]),
        200,
      );
    }
  });

  it('MalformedXML (EC 0042-00000205): not XML, wrong root, missing fields, no parts, bad numbers', async () => {
    const key = fresh();
    const { id } = await threeParts(key);
    const bodies = [
      'not xml at all <',
      '<Other><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></Other>',
      '<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    ];
    for (const body of bodies) {
      const res = await ossRequest(emu, { method: 'POST', key, query: { uploadId: id }, body });
      expectError(res, 400, 'MalformedXML', '0042-00000205');
    }
  });

  it('InvalidPartOrder (EC 0042-00000209): descending or repeated part numbers', async () => {
    const key = fresh();
    const { id, parts } = await threeParts(key);
    const reversed = [...parts].reverse();
    expectError(
      await completeUpload(emu, key, id, reversed),
      400,
      'InvalidPartOrder',
      '0042-00000209',
    );
    const repeated = [parts[0]!, parts[0]!, parts[2]!];
    expectError(await completeUpload(emu, key, id, repeated), 400, 'InvalidPartOrder');
  });

  it('InvalidPart: a part that was never uploaded or a wrong ETag, with ETag/PartNumber/UploadId', async () => {
    const key = fresh();
    const { id, parts } = await threeParts(key);
    const missing = await completeUpload(emu, key, id, [
      parts[0]!,
      { partNumber: 4, etag: parts[1]!.etag },
    ]);
    const e1 = expectError(missing, 400, 'InvalidPart');
    expect(e1['PartNumber']).toBe('4');
    expect(e1['UploadId']).toBe(id);
    const wrong = await completeUpload(emu, key, id, [
      parts[0]!,
      { partNumber: 2, etag: 'undefined' },
    ]);
    const e2 = expectError(wrong, 400, 'InvalidPart');
    expect(e2['ETag']).toBe('undefined');
    expect(e2['PartNumber']).toBe('2');
  });

  it('EntityTooSmall (EC 0042-00000213) for a non-last part under 102400 bytes; exactly 102400 is fine', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const p1 = await uploadPart(emu, key, id, 1, Buffer.alloc(MIN - 1));
    const p2 = await uploadPart(emu, key, id, 2, hello);
    const res = await completeUpload(emu, key, id, [
      { partNumber: 1, etag: p1 },
      { partNumber: 2, etag: p2 },
    ]);
    expectError(res, 400, 'EntityTooSmall', '0042-00000213');
    expect(res.error?.['Message']).toBe(
      'Your proposed upload smaller than the minimum allowed size.',
    );
    const p1b = await uploadPart(emu, key, id, 1, Buffer.alloc(MIN));
    expectStatus(
      await completeUpload(emu, key, id, [
        { partNumber: 1, etag: p1b },
        { partNumber: 2, etag: p2 },
      ]),
      200,
    );
  });

  it('gaps are allowed; unlisted parts are not part of the object', async () => {
    const key = fresh();
    const { id, parts } = await threeParts(key);
    expectStatus(await completeUpload(emu, key, id, [parts[0]!, parts[2]!]), 200);
    expect(Buffer.compare(await getBytes(key), Buffer.concat([a, hello]))).toBe(0);
    expect(emu.headObject('test-bucket', key)?.etag).toMatch(/-2"$/);
  });

  it('x-oss-complete-all: yes completes every uploaded part in order (empty body)', async () => {
    const key = fresh();
    const { id } = await threeParts(key);
    const res = await ossRequest(emu, {
      method: 'POST',
      key,
      query: { uploadId: id },
      headers: { 'x-oss-complete-all': 'yes' },
    });
    expectStatus(res, 200);
    expect(res.headers['etag']).toBe('"3E6256E12997E3BE4917D5844DE2C38C-3"');
    expect((await getBytes(key)).length).toBe(2 * MIN + 5);
  });

  it('x-oss-complete-all: yes with a body is InvalidArgument (EC 0042-00000216)', async () => {
    const key = fresh();
    const { id, parts } = await threeParts(key);
    const res = await completeUpload(emu, key, id, parts, {
      headers: { 'x-oss-complete-all': 'yes' },
    });
    expectError(res, 400, 'InvalidArgument', '0042-00000216');
  });

  it('x-oss-forbid-overwrite: true with an existing object is FileAlreadyExists 409 (EC 0042-00000214)', async () => {
    const key = fresh();
    await putObject(key, 'existing');
    const { id, parts } = await threeParts(key);
    const res = await completeUpload(emu, key, id, parts, {
      headers: { 'content-type': 'application/xml', 'x-oss-forbid-overwrite': 'true' },
    });
    expectError(res, 409, 'FileAlreadyExists', '0042-00000214');
    expect((await getBytes(key)).toString()).toBe('existing');
    // The upload survives and may still complete without the header.
    expectStatus(await completeUpload(emu, key, id, parts), 200);
  });

  it('a wrong Content-MD5 over the XML body is InvalidDigest', async () => {
    const key = fresh();
    const { id, parts } = await threeParts(key);
    const res = await completeUpload(emu, key, id, parts, {
      headers: { 'content-type': 'application/xml', 'content-md5': md5Base64('other') },
    });
    expectError(res, 400, 'InvalidDigest');
  });

  it('applies x-oss-object-acl and x-oss-tagging sent on Complete', async () => {
    const key = fresh();
    const { id, parts } = await threeParts(key);
    await completeUpload(emu, key, id, parts, {
      headers: {
        'content-type': 'application/xml',
        'x-oss-object-acl': 'public-read',
        'x-oss-tagging': 'k=v',
      },
    });
    const info = emu.headObject('test-bucket', key)!;
    expect(info.headers['x-oss-object-acl']).toBe('public-read');
    expect(info.headers['x-oss-tagging']).toBe('k=v');
  });

  it('after Complete the upload id is NoSuchUpload (Complete, UploadPart, ListParts, Abort)', async () => {
    const key = fresh();
    const { id, parts } = await threeParts(key);
    expectStatus(await completeUpload(emu, key, id, parts), 200);
    expect(
      expectError(await completeUpload(emu, key, id, parts), 404, 'NoSuchUpload')['UploadId'],
    ).toBe(id);
    const part = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId: id },
      body: 'x',
    });
    expectError(part, 404, 'NoSuchUpload');
    expectError(
      await ossRequest(emu, { method: 'GET', key, query: { uploadId: id } }),
      404,
      'NoSuchUpload',
    );
    expectError(
      await ossRequest(emu, { method: 'DELETE', key, query: { uploadId: id } }),
      404,
      'NoSuchUpload',
    );
  });

  it('completing replaces an existing object of the same key', async () => {
    const key = fresh();
    await putObject(key, 'old');
    const { id, parts } = await threeParts(key);
    expectStatus(await completeUpload(emu, key, id, parts), 200);
    expect((await getBytes(key)).length).toBe(2 * MIN + 5);
  });
});

describe('AbortMultipartUpload', () => {
  it('answers 204, forgets the upload, and a second abort is NoSuchUpload', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    await uploadPart(emu, key, id, 1, Buffer.from('x'));
    expectStatus(await ossRequest(emu, { method: 'DELETE', key, query: { uploadId: id } }), 204);
    expect(emu.listUploads('test-bucket').some((u) => u.uploadId === id)).toBe(false);
    expectError(
      await ossRequest(emu, { method: 'DELETE', key, query: { uploadId: id } }),
      404,
      'NoSuchUpload',
    );
  });
});

describe('ListParts', () => {
  it('pages with max-parts / part-number-marker / NextPartNumberMarker / IsTruncated', async () => {
    const key = fresh();
    const id = await initiateUpload(emu, key);
    const bodies = [1, 2, 3, 5, 8].map((n) => [n, randomBytes(n * 10)] as const);
    for (const [n, body] of bodies) await uploadPart(emu, key, id, n, body);

    const page = async (query: Record<string, string>) => {
      const res = expectStatus(
        await ossRequest(emu, { method: 'GET', key, query: { uploadId: id, ...query } }),
        200,
      );
      return childOf(res.xml, 'ListPartsResult')!;
    };
    const first = await page({ 'max-parts': '2' });
    expect(textOf(first, 'UploadId')).toBe(id);
    expect(textOf(first, 'PartNumberMarker')).toBe('0');
    expect(textOf(first, 'MaxParts')).toBe('2');
    expect(textOf(first, 'IsTruncated')).toBe('true');
    expect(textOf(first, 'NextPartNumberMarker')).toBe('2');
    const parts = listOf(first, 'Part');
    expect(parts.map((p) => textOf(p, 'PartNumber'))).toEqual(['1', '2']);
    expect(textOf(parts[0], 'ETag')).toBe(`"${md5Hex(bodies[0]![1])}"`);
    expect(textOf(parts[0], 'Size')).toBe('10');
    expect(textOf(parts[0], 'HashCrc64ecma')).toBe(crc64(bodies[0]![1]).toString());
    expect(textOf(parts[0], 'LastModified')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const second = await page({ 'max-parts': '2', 'part-number-marker': '2' });
    expect(listOf(second, 'Part').map((p) => textOf(p, 'PartNumber'))).toEqual(['3', '5']);
    expect(textOf(second, 'NextPartNumberMarker')).toBe('5');
    const last = await page({ 'max-parts': '2', 'part-number-marker': '5' });
    expect(listOf(last, 'Part').map((p) => textOf(p, 'PartNumber'))).toEqual(['8']);
    expect(textOf(last, 'IsTruncated')).toBe('false');
    const all = await page({});
    expect(textOf(all, 'MaxParts')).toBe('1000');
    expect(listOf(all, 'Part')).toHaveLength(5);
  });

  it('rejects a non-numeric max-parts; encoding-type=url encodes the key', async () => {
    const key = `${fresh()} x`;
    const id = await initiateUpload(emu, key);
    expectError(
      await ossRequest(emu, { method: 'GET', key, query: { uploadId: id, 'max-parts': 'lots' } }),
      400,
      'InvalidArgument',
    );
    const res = await ossRequest(emu, {
      method: 'GET',
      key,
      query: { uploadId: id, 'encoding-type': 'url' },
    });
    const result = childOf(res.xml, 'ListPartsResult');
    expect(textOf(result, 'EncodingType')).toBe('url');
    expect(textOf(result, 'Key')).toBe(key.replace(/\//g, '%2F').replace(' ', '%20'));
  });
});

describe('ListMultipartUploads', () => {
  let bucketEmu: Emulator;
  const uploads: Array<{ key: string; id: string }> = [];
  beforeAll(async () => {
    bucketEmu = await startEmulator();
    for (const key of ['a/1', 'a/2', 'b', 'b', 'c/x/y', 'd']) {
      uploads.push({ key, id: await initiateUpload(bucketEmu, key) });
    }
  });
  afterAll(async () => {
    await bucketEmu.close();
  });

  const list = async (query: Record<string, string>) => {
    const res = expectStatus(
      await ossRequest(bucketEmu, { method: 'GET', query: { uploads: '', ...query } }),
      200,
    );
    const result = childOf(res.xml, 'ListMultipartUploadsResult')!;
    return {
      result,
      items: listOf(result, 'Upload').map((u) => `${textOf(u, 'Key')}#${textOf(u, 'UploadId')}`),
      prefixes: listOf(result, 'CommonPrefixes').map((p) => textOf(p, 'Prefix')),
    };
  };
  const item = (i: number) => `${uploads[i]!.key}#${uploads[i]!.id}`;

  it('lists by key, then initiation order, with Initiated timestamps', async () => {
    const { items, result } = await list({});
    expect(items).toEqual([0, 1, 2, 3, 4, 5].map(item));
    expect(textOf(result, 'IsTruncated')).toBe('false');
    expect(textOf(listOf(result, 'Upload')[0], 'Initiated')).toMatch(/Z$/);
  });

  it('prefix filters by key prefix', async () => {
    expect((await list({ prefix: 'a/' })).items).toEqual([item(0), item(1)]);
  });

  it('pages with max-uploads, key-marker and upload-id-marker', async () => {
    const seen: string[] = [];
    let query: Record<string, string> = { 'max-uploads': '2' };
    for (let i = 0; i < 10; i++) {
      const { items, result } = await list(query);
      seen.push(...items);
      if (textOf(result, 'IsTruncated') !== 'true') break;
      query = {
        'max-uploads': '2',
        'key-marker': textOf(result, 'NextKeyMarker')!,
        'upload-id-marker': textOf(result, 'NextUploadIdMarker')!,
      };
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5].map(item));
  });

  it('key-marker alone skips every upload of that key', async () => {
    expect((await list({ 'key-marker': 'b' })).items).toEqual([item(4), item(5)]);
  });

  it('delimiter rolls keys up into CommonPrefixes', async () => {
    const { items, prefixes } = await list({ delimiter: '/' });
    expect(items).toEqual([item(2), item(3), item(5)]);
    expect(prefixes).toEqual(['a/', 'c/']);
  });

  it('encoding-type=url encodes keys and markers', async () => {
    const { result } = await list({ 'encoding-type': 'url', prefix: 'c/' });
    expect(textOf(result, 'EncodingType')).toBe('url');
    expect(textOf(result, 'Prefix')).toBe('c%2F');
    expect(textOf(listOf(result, 'Upload')[0], 'Key')).toBe('c%2Fx%2Fy');
  });
});

describe('verifyContent: false (fast path)', () => {
  let fast: Emulator;
  beforeAll(async () => {
    fast = await startEmulator({ verifyContent: false });
  });
  afterAll(async () => {
    await fast.close();
  });

  it('echoes Content-MD5 as the ETag, sends no CRC, and still stores the bytes', async () => {
    const body = randomBytes(2000);
    const claimed = md5Base64('not the body');
    const res = expectStatus(
      await ossRequest(fast, {
        method: 'PUT',
        key: 'k',
        body,
        headers: { 'content-md5': claimed },
      }),
      200,
    );
    expect(res.headers['etag']).toBe(`"${md5Hex('not the body')}"`);
    expect(res.headers['x-oss-hash-crc64ecma']).toBeUndefined();
    expect(Buffer.compare((await fast.getObject('test-bucket', 'k'))!, body)).toBe(0);
  });

  it('computes the MD5 when no Content-MD5 is sent; multipart objects have no CRC', async () => {
    const id = await initiateUpload(fast, 'm');
    const etag = await uploadPart(fast, 'm', id, 1, Buffer.from('upload part 1'));
    expect(etag).toBe('"BCE8F3D48247C5D555BB5697BF277B35"');
    const res = expectStatus(await completeUpload(fast, 'm', id, [{ partNumber: 1, etag }]), 200);
    expect(res.headers['x-oss-hash-crc64ecma']).toBeUndefined();
    expect(fast.headObject('test-bucket', 'm')?.crc64).toBeUndefined();
  });
});
