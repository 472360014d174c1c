import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { md5Base64 } from '../lib/checksum/md5.ts';
import { OssKeyError, OssResponseError } from '../lib/errors.ts';
import { BUCKET, md5, patternBytes, useOss } from './helpers/oss.ts';
import { rejectionAs } from './helpers/outcomes.ts';

const MIN_PART = 102_400;

const oss = useOss();

const rejection = (promise: Promise<unknown>) => rejectionAs(promise, OssResponseError);

describe.each(['v4', 'v1'] as const)('OssClient operations (%s signing)', (signatureVersion) => {
  it('runs a whole multipart upload: initiate, parts, list, complete, head, get', async () => {
    const client = oss.clientWith({ signatureVersion });
    const key = `dir/${signatureVersion}/multi part+日本.bin`;
    const part1 = patternBytes(MIN_PART, 1);
    const part2 = patternBytes(5000, 2);
    const { uploadId } = await client.initiateMultipartUpload(key, {
      headers: { 'content-type': 'text/plain', 'x-oss-meta-owner': 'alice' },
    });
    expect(uploadId).toMatch(/\S+/);
    const r1 = await client.uploadPart(key, uploadId, 1, part1, { contentMd5: md5Base64(part1) });
    const r2 = await client.uploadPart(
      key,
      uploadId,
      2,
      [part2.subarray(0, 10), part2.subarray(10)],
      {
        contentMd5: md5Base64(part2),
      },
    );
    expect(r1.etag.replaceAll('"', '').toLowerCase()).toBe(md5(part1));
    expect(r2.crc64).toMatch(/^\d+$/);

    const listed = await client.listParts(key, uploadId, { pageSize: 1 });
    expect(listed.map((p) => [p.partNumber, p.size])).toEqual([
      [1, MIN_PART],
      [2, 5000],
    ]);
    const uploads = await client.listMultipartUploads({ prefix: `dir/${signatureVersion}/` });
    expect(uploads).toEqual([expect.objectContaining({ key, uploadId })]);

    const done = await client.completeMultipartUpload(key, uploadId, [
      { partNumber: 1, etag: r1.etag },
      { partNumber: 2, etag: r2.etag },
    ]);
    expect(done.etag).toMatch(/-2"$/);
    expect(done.key).toBe(key);

    const head = await client.headObject(key);
    expect(head.contentLength).toBe(MIN_PART + 5000);
    expect(head.objectType).toBe('Multipart');
    expect(head.meta.owner).toBe('alice');
    expect(head.crc64).toBe(done.crc64);
    const body = await client.getObjectBuffer(key);
    expect(md5(body)).toBe(md5(Buffer.concat([part1, part2])));
    const range = await client.getObjectBuffer(key, { range: 'bytes=10-19' });
    expect(range).toEqual(part1.subarray(10, 20));
    expect(await client.listMultipartUploads({ prefix: `dir/${signatureVersion}/` })).toEqual([]);
  });

  it('puts, heads, gets and deletes a small object', async () => {
    const client = oss.clientWith({ signatureVersion });
    const data = Buffer.from('hello world');
    const put = await client.putObject('small.txt', data, { contentMd5: md5Base64(data) });
    expect(put.etag).toBe(`"${md5(data).toUpperCase()}"`);
    expect((await client.getObjectBuffer('small.txt')).toString()).toBe('hello world');
    await client.deleteObject('small.txt');
    const missing = await rejection(client.headObject('small.txt'));
    expect(missing.status).toBe(404);
    expect(missing.ossCode).toBe('NoSuchKey');
    expect(missing.operation).toBe('HeadObject');
  });
});

describe('OssClient keys', () => {
  it.each([
    'a/../b',
    './x/./y',
    '../up',
    'dir//double',
    'a%2Fb?c#d&e=f+g h',
    "x!'()*~",
    '日本語/ファイル 😀.txt',
  ])('round-trips the key %j without normalising it', async (key) => {
    const data = Buffer.from(`content of ${key}`);
    await oss.client.putObject(key, data, { contentMd5: md5Base64(data) });
    expect((await oss.client.getObjectBuffer(key)).toString()).toBe(`content of ${key}`);
    const head = await oss.client.headObject(key);
    expect(head.contentLength).toBe(data.length);
  });

  it.each([
    ['', /empty/],
    ['/lead', /start with/],
    ['\\lead', /start with/],
    ['a'.repeat(1024), /1024 bytes/],
    ['é'.repeat(512), /1024 bytes/],
    ['tab\there', /control character/],
    ['nul\u0000', /NUL \(U\+0000\)/],
  ])('rejects the key %j before sending anything', async (key, message) => {
    oss.emulator.stats.reset();
    await expect(oss.client.putObject(key, Buffer.from('x'))).rejects.toThrow(OssKeyError);
    await expect(oss.client.putObject(key, Buffer.from('x'))).rejects.toThrow(message);
    expect(oss.emulator.stats.requests.PutObject).toBe(0);
  });
});

describe('OssClient errors and retries', () => {
  it('maps NoSuchUpload with its details', async () => {
    const error = await rejection(oss.client.uploadPart('k', 'NOSUCHUPLOAD', 1, Buffer.from('x')));
    expect(error).toMatchObject({ status: 404, ossCode: 'NoSuchUpload', operation: 'UploadPart' });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(error.code).toBe('ERR_OSS_RESPONSE');
  });

  it('gets InvalidDigest for a wrong Content-MD5, without retrying', async () => {
    const error = await rejection(
      oss.client.putObject('digest', Buffer.from('abc'), {
        contentMd5: md5Base64(Buffer.from('abd')),
      }),
    );
    expect(error.ossCode).toBe('InvalidDigest');
    expect(oss.emulator.stats.requests.PutObject).toBe(1);
  });

  it('gets SignatureDoesNotMatch for a wrong secret, without retrying', async () => {
    const client = oss.clientWith({
      credentials: {
        accessKeyId: oss.emulator.credentials.accessKeyId,
        accessKeySecret: 'wrong-secret-value',
      },
    });
    const error = await rejection(client.putObject('sig', Buffer.from('x')));
    expect(error.status).toBe(403);
    expect(error.ossCode).toBe('SignatureDoesNotMatch');
    expect(error.extra.StringToSign).toBeTruthy();
    expect(oss.emulator.stats.requests.PutObject).toBe(1);
    for (const text of [
      error.message,
      String(error),
      inspect(error, { depth: 5 }),
      JSON.stringify(error),
    ]) {
      expect(text).not.toContain('wrong-secret-value');
    }
  });

  it('retries a 503 and then succeeds', async () => {
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      times: 2,
    });
    await oss.client.putObject('retry-503', Buffer.from('x'));
    expect(oss.emulator.stats.requests.PutObject).toBe(3);
  });

  it('gives up after maxAttempts 503s', async () => {
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
      times: 5,
    });
    const error = await rejection(oss.client.putObject('retry-503-fail', Buffer.from('x')));
    expect(error.status).toBe(503);
    expect(oss.emulator.stats.requests.PutObject).toBe(3);
  });

  it('does not retry a 403', async () => {
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
      times: 3,
    });
    const error = await rejection(oss.client.putObject('no-retry-403', Buffer.from('x')));
    expect(error.ossCode).toBe('AccessDenied');
    expect(oss.emulator.stats.requests.PutObject).toBe(1);
  });

  it('retries a connection reset mid-body', async () => {
    oss.emulator.faults.add({ operation: 'UploadPart', kind: 'reset', afterBytes: 1000 });
    const { uploadId } = await oss.client.initiateMultipartUpload('reset');
    const data = patternBytes(200_000, 3);
    const result = await oss.client.uploadPart('reset', uploadId, 1, data, {
      contentMd5: md5Base64(data),
    });
    expect(result.etag.replaceAll('"', '').toLowerCase()).toBe(md5(data));
    expect(oss.emulator.stats.requests.UploadPart).toBe(2);
    await oss.client.abortMultipartUpload('reset', uploadId);
  });

  it('times out a stalled response and retries it', async () => {
    const client = oss.clientWith({ timeoutMs: 300 });
    oss.emulator.faults.add({ operation: 'PutObject', kind: 'stall', ms: 2000 });
    await client.putObject('stall', Buffer.from('x'));
    expect(oss.emulator.stats.requests.PutObject).toBe(2);
  });

  it('corrects its clock after RequestTimeTooSkewed', async () => {
    oss.emulator.clock.offsetMs = 30 * 60 * 1000;
    const client = oss.clientWith({});
    await client.putObject('skew', Buffer.from('x'));
    expect(oss.emulator.stats.requests.PutObject).toBe(2);
    expect(client.clockOffsetMs).toBeGreaterThan(29 * 60 * 1000);
    await client.putObject('skew2', Buffer.from('x'));
    expect(oss.emulator.stats.requests.PutObject).toBe(3);
  });

  it('treats AbortMultipartUpload of a finished upload as done', async () => {
    const { uploadId } = await oss.client.initiateMultipartUpload('abort-twice');
    await oss.client.abortMultipartUpload('abort-twice', uploadId);
    await oss.client.abortMultipartUpload('abort-twice', uploadId);
    expect(await oss.client.listMultipartUploads({ prefix: 'abort-twice' })).toEqual([]);
  });

  it('cancels a request through its AbortSignal', async () => {
    oss.emulator.faults.add({ operation: 'PutObject', kind: 'stall', ms: 5000 });
    const controller = new AbortController();
    const pending = oss.client.putObject('cancel', Buffer.from('x'), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 100);
    const started = Date.now();
    await expect(pending).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('pages through listParts and listMultipartUploads', async () => {
    const { uploadId } = await oss.client.initiateMultipartUpload('paging/a');
    for (let n = 1; n <= 5; n++)
      await oss.client.uploadPart('paging/a', uploadId, n, Buffer.from(`p${n}`));
    expect(
      (await oss.client.listParts('paging/a', uploadId, { pageSize: 2 })).map((p) => p.partNumber),
    ).toEqual([1, 2, 3, 4, 5]);
    const more = await Promise.all(
      [1, 2, 3].map(() => oss.client.initiateMultipartUpload('paging/b')),
    );
    const uploads = await oss.client.listMultipartUploads({ prefix: 'paging/', pageSize: 2 });
    expect(uploads).toHaveLength(4);
    for (const { uploadId: id } of more) await oss.client.abortMultipartUpload('paging/b', id);
    await oss.client.abortMultipartUpload('paging/a', uploadId);
  });
});

describe('OssClient credentials', () => {
  it('calls an async credentials provider', async () => {
    let calls = 0;
    const client = oss.clientWith({
      credentials: async () => {
        calls++;
        return oss.emulator.credentials;
      },
    });
    await client.putObject('provider', Buffer.from('x'));
    expect(calls).toBe(1);
  });

  it('targets the bucket it was given', () => {
    expect(oss.client.bucket).toBe(BUCKET);
  });
});
