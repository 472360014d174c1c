/**
 * Metadata and header values beyond ASCII go out as their UTF-8 bytes and are signed as those
 * bytes, so the emulator (which verifies signatures over the bytes it received) accepts them
 * and stores the text as given; HEAD gives it back. Before, 'café' went out as latin1 and
 * '阿达' failed in Node with ERR_INVALID_CHAR before anything was sent.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { useOss } from './helpers/oss.ts';

const oss = useOss({}, { timeoutMs: 5_000, retry: { maxAttempts: 1 } });

const META = {
  latin: 'café',
  cjk: '阿达',
  emoji: 'ok 😀',
  spaces: 'a\u00a0b\u3000c', // Unicode spaces inside a value are plain text
};

describe.each(['v4', 'v1'] as const)('non-ASCII metadata (%s)', (signatureVersion) => {
  it('is stored and read back as the same text, single PutObject', async () => {
    const client = oss.clientWith({ signatureVersion });
    const key = `utf8/${signatureVersion}/阿达-café.txt`;
    await client.upload(key, Readable.from([Buffer.from('hello')]), { meta: META });
    const head = await client.headObject(key);
    expect(head.meta).toEqual(META);
  });

  it('is stored and read back as the same text, multipart', async () => {
    const client = oss.clientWith({ signatureVersion });
    const key = `utf8/${signatureVersion}/multipart`;
    const body = Buffer.alloc(300 * 1024, 1);
    await client.upload(key, Readable.from([body]), {
      meta: META,
      partSize: 100 * 1024,
      headers: { 'Content-Disposition': "attachment; filename*=UTF-8''caf%C3%A9; x=é" },
    });
    const head = await client.headObject(key);
    expect(head.meta).toEqual(META);
    expect(head.headers['content-disposition']).toBeDefined();
  });
});

describe.each(['v4', 'v1'] as const)('non-ASCII keys (%s)', (signatureVersion) => {
  it.each([
    ['a key starting with U+FEFF', '\ufeffbom.txt'],
    ['a key ending in U+3000', 'utf8/space\u3000'],
    ['a key of CJK and emoji', 'utf8/阿达/😀.bin'],
  ])('%s is signed as its UTF-8 bytes and stored under that name', async (_what, key) => {
    const client = oss.clientWith({ signatureVersion });
    await client.upload(key, Readable.from([Buffer.from('x')]));
    const head = await client.headObject(key);
    expect(head.contentLength).toBe(1);
    const listed = await client.listMultipartUploads({ prefix: key });
    expect(listed).toEqual([]);
  });
});
