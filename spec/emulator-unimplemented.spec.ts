/**
 * What the emulator does not implement is answered 501 NotImplemented in the OSS error format,
 * never executed as some other operation (a CopyObject stored as an empty object, a DELETE with
 * a part number deleting the object, ...). Every case checks that nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import {
  completeUpload,
  expectStatus,
  initiateUpload,
  ossRequest,
  type RawRequest,
  type RawResponse,
  uploadPart,
} from './helpers/raw-oss.ts';

let emu: Emulator;
let n = 0;
const fresh = () => `unimplemented/${++n}`;
beforeAll(async () => {
  emu = await startEmulator({ buckets: ['test-bucket'] });
});
afterAll(() => emu.close());

function expectNotImplemented(res: RawResponse): void {
  expect(res.status, res.body.toString()).toBe(501);
  expect(res.error?.['Code']).toBe('NotImplemented');
  expect(res.error?.['RequestId']).toBe(res.headers['x-oss-request-id']);
}

/** An object with known content, to check that a refused request did not touch it. */
async function existing(): Promise<string> {
  const key = fresh();
  expectStatus(await ossRequest(emu, { method: 'PUT', key, body: 'original' }), 200);
  return key;
}

async function expectUnchanged(key: string): Promise<void> {
  expect((await emu.getObject('test-bucket', key))?.toString()).toBe('original');
}

describe('copy operations', () => {
  it('CopyObject (PUT with x-oss-copy-source) is 501 and stores nothing', async () => {
    const source = await existing();
    const target = fresh();
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: target,
      headers: { 'x-oss-copy-source': `/test-bucket/${source}` },
    });
    expectNotImplemented(res);
    expect(emu.headObject('test-bucket', target)).toBeUndefined();
  });

  it('CopyObject onto an existing object leaves it as it was', async () => {
    const source = await existing();
    const target = await existing();
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: target,
      body: '',
      headers: { 'x-oss-copy-source': `/test-bucket/${source}` },
    });
    expectNotImplemented(res);
    await expectUnchanged(target);
  });

  it('UploadPartCopy (part PUT with x-oss-copy-source) is 501 and adds no part', async () => {
    const source = await existing();
    const key = fresh();
    const uploadId = await initiateUpload(emu, key);
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      query: { partNumber: '1', uploadId },
      headers: { 'x-oss-copy-source': `/test-bucket/${source}` },
    });
    expectNotImplemented(res);
    expect(emu.listUploads('test-bucket').find((u) => u.uploadId === uploadId)?.parts).toBe(0);
  });
});

describe('callbacks', () => {
  it('PutObject with x-oss-callback is 501 and stores nothing', async () => {
    const key = fresh();
    const callback = Buffer.from('{"callbackUrl":"http://127.0.0.1:9/cb"}').toString('base64');
    expectNotImplemented(
      await ossRequest(emu, {
        method: 'PUT',
        key,
        body: 'x',
        headers: { 'x-oss-callback': callback },
      }),
    );
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
  });

  it('Complete with x-oss-callback is 501 and the upload stays open', async () => {
    const key = fresh();
    const uploadId = await initiateUpload(emu, key);
    const etag = await uploadPart(emu, key, uploadId, 1, Buffer.from('part'));
    const res = await completeUpload(emu, key, uploadId, [{ partNumber: 1, etag }], {
      headers: { 'content-type': 'application/xml', 'x-oss-callback': 'e30=' },
    });
    expectNotImplemented(res);
    expect(emu.headObject('test-bucket', key)).toBeUndefined();
    expect(emu.listUploads('test-bucket').some((u) => u.uploadId === uploadId)).toBe(true);
  });
});

describe('conditional writes', () => {
  for (const header of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    it(`PutObject with ${header} is 501 and leaves the object`, async () => {
      const key = await existing();
      const value = header.endsWith('since') ? new Date().toUTCString() : '*';
      expectNotImplemented(
        await ossRequest(emu, { method: 'PUT', key, body: 'new', headers: { [header]: value } }),
      );
      await expectUnchanged(key);
    });
  }
});

describe('sub-resources and processing', () => {
  const cases: Array<{ name: string; request: Omit<RawRequest, 'key'> }> = [
    { name: 'GetObjectAcl', request: { method: 'GET', query: { acl: '' } } },
    {
      name: 'PutObjectAcl',
      request: { method: 'PUT', query: { acl: '' }, headers: { 'x-oss-object-acl': 'private' } },
    },
    { name: 'GetObjectTagging', request: { method: 'GET', query: { tagging: '' } } },
    {
      name: 'PutObjectTagging',
      request: { method: 'PUT', query: { tagging: '' }, body: '<Tagging/>' },
    },
    { name: 'DeleteObjectTagging', request: { method: 'DELETE', query: { tagging: '' } } },
    {
      name: 'PutSymlink',
      request: { method: 'PUT', query: { symlink: '' }, headers: { 'x-oss-symlink-target': 'a' } },
    },
    { name: 'GetSymlink', request: { method: 'GET', query: { symlink: '' } } },
    {
      name: 'AppendObject',
      request: { method: 'POST', query: { append: '', position: '0' }, body: 'more' },
    },
    { name: 'RestoreObject', request: { method: 'POST', query: { restore: '' } } },
    { name: 'GetObjectMeta', request: { method: 'HEAD', query: { objectMeta: '' } } },
    {
      name: 'image processing',
      request: { method: 'GET', query: { 'x-oss-process': 'image/resize,w_10' } },
    },
    {
      name: 'async processing',
      request: { method: 'POST', query: { 'x-oss-async-process': '' }, body: 'x' },
    },
    { name: 'a version', request: { method: 'GET', query: { versionId: 'v1' } } },
    {
      name: 'DeleteObject of a version',
      request: { method: 'DELETE', query: { versionId: 'v1' } },
    },
    {
      name: 'an unknown x-oss- sub-resource',
      request: { method: 'PUT', query: { 'x-oss-rename': '' }, body: 'new' },
    },
    // Sub-resources on the wrong method: each would otherwise run as another operation.
    { name: 'DELETE with partNumber', request: { method: 'DELETE', query: { partNumber: '1' } } },
    { name: 'GET with partNumber', request: { method: 'GET', query: { partNumber: '1' } } },
    { name: 'HEAD with uploadId', request: { method: 'HEAD', query: { uploadId: 'X' } } },
    { name: 'PUT with uploads', request: { method: 'PUT', query: { uploads: '' }, body: 'new' } },
    { name: 'GET with uploads on a key', request: { method: 'GET', query: { uploads: '' } } },
    { name: 'PostObject', request: { method: 'POST', body: 'new' } },
  ];
  for (const { name, request } of cases) {
    it(`${name} is 501 and leaves the object`, async () => {
      const key = await existing();
      const res = await ossRequest(emu, { ...request, key } as RawRequest);
      expectNotImplemented(res);
      if (request.method === 'HEAD') expect(res.headers['x-oss-err']).toBeTruthy();
      await expectUnchanged(key);
    });
  }

  it('bucket-level DeleteMultipleObjects (?delete) is 501 and deletes nothing', async () => {
    const key = await existing();
    const res = await ossRequest(emu, {
      method: 'POST',
      query: { delete: '' },
      body: `<Delete><Object><Key>${key}</Key></Object></Delete>`,
    });
    expectNotImplemented(res);
    await expectUnchanged(key);
  });

  it('PutBucket with a sub-resource (?lifecycle) is 501', async () => {
    expectNotImplemented(
      await ossRequest(emu, { method: 'PUT', query: { lifecycle: '' }, body: '<x/>' }),
    );
  });
});

describe('presigned URLs', () => {
  it('V1 query authentication is 501', async () => {
    const key = await existing();
    const res = await ossRequest(emu, {
      method: 'GET',
      key,
      sign: false,
      query: { OSSAccessKeyId: emu.credentials.accessKeyId, Expires: '9999999999', Signature: 'x' },
    });
    expectNotImplemented(res);
  });

  it('V4 query authentication is 501', async () => {
    const key = await existing();
    const res = await ossRequest(emu, {
      method: 'PUT',
      key,
      body: 'new',
      sign: false,
      query: {
        'x-oss-signature-version': 'OSS4-HMAC-SHA256',
        'x-oss-credential': `${emu.credentials.accessKeyId}/20240101/cn-hangzhou/oss/aliyun_v4_request`,
        'x-oss-signature': 'x',
      },
    });
    expectNotImplemented(res);
    await expectUnchanged(key);
  });
});
