/**
 * Disk mode (`dir`): bytes live in generated files under `<dir>/blobs`, keys never become paths,
 * and the index survives a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import {
  completeUpload,
  expectStatus,
  initiateUpload,
  ossRequest,
  uploadPart,
} from './helpers/raw-oss.ts';

const MIB = 1024 * 1024;
let root: string;
let dir: string;
let emu: Emulator | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'emu-disk-'));
  dir = join(root, 'data', 'store');
  await mkdir(dir, { recursive: true });
});
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  await rm(root, { recursive: true, force: true });
});

/** Every file under `base`, relative to it. */
async function filesUnder(base: string): Promise<string[]> {
  const entries = await readdir(base, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(base, join(e.parentPath, e.name)))
    .sort();
}

async function blobFiles(): Promise<string[]> {
  return (await filesUnder(dir)).filter((f) => f.startsWith('blobs/'));
}

describe('disk mode', () => {
  it('a multipart upload of a few MiB round-trips and its bytes live in blob files', async () => {
    emu = await startEmulator({ dir });
    const key = 'big/object.bin';
    const parts = [randomBytes(MIB), randomBytes(MIB), randomBytes(MIB), randomBytes(300 * 1024)];
    const id = await initiateUpload(emu, key);
    const etags = [];
    for (const [i, part] of parts.entries())
      etags.push(await uploadPart(emu, key, id, i + 1, part));
    expectStatus(
      await completeUpload(
        emu,
        key,
        id,
        etags.map((etag, i) => ({ partNumber: i + 1, etag })),
      ),
      200,
    );

    const whole = Buffer.concat(parts);
    const got = expectStatus(await ossRequest(emu, { method: 'GET', key }), 200);
    expect(Buffer.compare(got.body, whole)).toBe(0);
    const span = await ossRequest(emu, {
      method: 'GET',
      key,
      headers: { range: `bytes=${MIB - 10}-${2 * MIB + 9}` },
    });
    expect(span.status).toBe(206);
    expect(Buffer.compare(span.body, whole.subarray(MIB - 10, 2 * MIB + 10))).toBe(0);

    const files = await blobFiles();
    expect(files).toHaveLength(4);
    for (const file of files) expect(file).toMatch(/^blobs\/[0-9a-f]{32}$/);
    const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(whole.length);
  });

  it('keys that look like paths never create files outside dir (nor named after the key)', async () => {
    emu = await startEmulator({ dir });
    const hostile = [
      '../escape',
      '../../escape',
      '../../../../../../tmp/escape-from-emulator',
      'a/../../../b',
      '..\\..\\windows',
      'C:\\Windows\\evil',
      `${root.slice(1)}/inside-root`,
      'blobs/../../sneaky',
      '..',
      '.',
    ];
    for (const key of hostile) {
      expectStatus(await ossRequest(emu, { method: 'PUT', key, body: `v:${key}` }), 200);
    }
    // Percent-encoded dot segments on the wire, and a multipart upload with a climbing key.
    expectStatus(
      await ossRequest(emu, {
        method: 'PUT',
        key: '../../raw-escape',
        body: 'raw',
        rawPath: '/test-bucket/%2e%2e/%2e%2e/raw-escape',
      }),
      200,
    );
    const id = await initiateUpload(emu, '../../multipart-escape');
    const etag = await uploadPart(emu, '../../multipart-escape', id, 1, Buffer.from('m'));
    expectStatus(
      await completeUpload(emu, '../../multipart-escape', id, [{ partNumber: 1, etag }]),
      200,
    );
    // Absolute paths and NUL bytes are not valid keys at all.
    for (const rawPath of ['/test-bucket//etc/passwd', '/test-bucket/nul%00byte']) {
      const res = await ossRequest(emu, { method: 'PUT', rawPath, body: 'x', sign: false });
      expect(res.error?.['Code']).toBe('InvalidObjectName');
    }
    for (const key of hostile) {
      expect((await emu.getObject('test-bucket', key))?.toString()).toBe(`v:${key}`);
    }
    await emu.close();
    emu = undefined;

    // The only files anywhere under the temp root are blobs and the index inside dir.
    const everything = await filesUnder(root);
    for (const file of everything) {
      expect(file).toMatch(/^data\/store\/(blobs\/[0-9a-f]{32}|emulator-index\.json)$/);
    }
    expect(everything.filter((f) => f.includes('/blobs/'))).toHaveLength(hostile.length + 2);
    await expect(stat('/tmp/escape-from-emulator')).rejects.toThrow();
  });

  it('restarting on the same dir keeps objects and uploads in progress', async () => {
    emu = await startEmulator({ dir });
    const body = randomBytes(200_000);
    expectStatus(
      await ossRequest(emu, { method: 'PUT', key: 'kept', body, headers: { 'x-oss-meta-a': '1' } }),
      200,
    );
    const id = await initiateUpload(emu, 'pending');
    const etag1 = await uploadPart(emu, 'pending', id, 1, Buffer.alloc(102400, 1));
    const credentials = [{ ...emu.credentials }];
    await emu.close();

    emu = await startEmulator({ dir, credentials });
    const got = expectStatus(await ossRequest(emu, { method: 'GET', key: 'kept' }), 200);
    expect(Buffer.compare(got.body, body)).toBe(0);
    expect(got.headers['x-oss-meta-a']).toBe('1');
    expect(emu.listUploads('test-bucket')).toEqual([{ key: 'pending', uploadId: id, parts: 1 }]);
    const etag2 = await uploadPart(emu, 'pending', id, 2, Buffer.from('tail'));
    const done = await completeUpload(emu, 'pending', id, [
      { partNumber: 1, etag: etag1 },
      { partNumber: 2, etag: etag2 },
    ]);
    expectStatus(done, 200);
    expect((await emu.getObject('test-bucket', 'pending'))?.length).toBe(102404);
  });

  it('overwrite, delete, abort and unlisted parts release their blob files', async () => {
    emu = await startEmulator({ dir });
    await ossRequest(emu, { method: 'PUT', key: 'o', body: 'one' });
    await ossRequest(emu, { method: 'PUT', key: 'o', body: 'two' });
    // Blob files are removed asynchronously after the answer.
    const waitFor = (n: number) =>
      vi.waitFor(async () => expect(await blobFiles()).toHaveLength(n), {
        timeout: 2_000,
        interval: 5,
      });
    await waitFor(1);
    await ossRequest(emu, { method: 'DELETE', key: 'o' });
    await waitFor(0);

    const id = await initiateUpload(emu, 'm');
    const e1 = await uploadPart(emu, 'm', id, 1, Buffer.alloc(102400));
    await uploadPart(emu, 'm', id, 2, Buffer.from('unlisted'));
    await uploadPart(emu, 'm', id, 3, Buffer.from('x'));
    await uploadPart(emu, 'm', id, 3, Buffer.from('replaced'));
    await waitFor(3);
    const e3 = await uploadPart(emu, 'm', id, 3, Buffer.from('final'));
    expectStatus(
      await completeUpload(emu, 'm', id, [
        { partNumber: 1, etag: e1 },
        { partNumber: 3, etag: e3 },
      ]),
      200,
    );
    await waitFor(2);

    const aborted = await initiateUpload(emu, 'a');
    await uploadPart(emu, 'a', aborted, 1, Buffer.from('gone'));
    await waitFor(3);
    expectStatus(
      await ossRequest(emu, { method: 'DELETE', key: 'a', query: { uploadId: aborted } }),
      204,
    );
    await waitFor(2);
  });

  it('a download in progress keeps its bytes even if the object is deleted meanwhile', async () => {
    emu = await startEmulator({ dir });
    const body = randomBytes(8 * MIB);
    await ossRequest(emu, { method: 'PUT', key: 'streamed', body });
    const download = ossRequest(emu, { method: 'GET', key: 'streamed' });
    await ossRequest(emu, { method: 'DELETE', key: 'streamed' });
    const got = await download;
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.body, body)).toBe(0);
  });

  it('close() leaves the directory and files the user put there', async () => {
    await writeFile(join(dir, 'README.user'), 'mine');
    emu = await startEmulator({ dir });
    await ossRequest(emu, { method: 'PUT', key: 'x', body: 'x' });
    await emu.close();
    emu = undefined;
    expect(await readFile(join(dir, 'README.user'), 'utf8')).toBe('mine');
    expect(await filesUnder(dir)).toContain('emulator-index.json');
  });
});
