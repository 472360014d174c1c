/**
 * Bad `headers`, `meta` and `tagging` entries are refused up front by the public API, with an
 * OssOptionError naming the entry (`headers.content-length`, `meta.a`), and nothing reaches the
 * server. Before, they failed late as retried network errors, or (content-length) stalled
 * Initiate until its timeout.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { useOss } from './helpers/oss.ts';

// Short limits so that a request which is sent anyway fails fast instead of hanging the spec.
const oss = useOss({}, { timeoutMs: 2_000, retry: { maxAttempts: 1 } });

function nothingSent(): void {
  const { stats } = oss.emulator;
  const total = Object.values(stats.requests).reduce((a, b) => a + b, 0);
  expect({ requests: total, bytes: stats.bytesReceived }).toEqual({ requests: 0, bytes: 0 });
}

/** Upload a few bytes through the public promise API and return what it rejected with. */
async function uploadError(options: Record<string, unknown>): Promise<unknown> {
  const body = Readable.from([Buffer.from('hello')]);
  return oss.client.upload('headers/bad.txt', body, options).then(
    () => new Error('the upload succeeded'),
    (error: unknown) => error,
  );
}

function streamError(options: Record<string, unknown>): unknown {
  try {
    oss.client.createUploadStream('headers/bad.txt', options).destroy();
  } catch (error) {
    return error;
  }
  return new Error('createUploadStream accepted the options');
}

async function expectRefused(options: Record<string, unknown>, option: string): Promise<void> {
  for (const error of [await uploadError(options), streamError(options)]) {
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toBe(option);
    expect((error as OssOptionError).message).toContain(option);
  }
  nothingSent();
}

describe('headers: names', () => {
  it.each([
    ['a space', 'bad name'],
    ['a colon', 'x-a:b'],
    ['a non-ASCII letter', 'x-café'],
    ['a slash', 'x-a/b'],
    ['a CR LF', 'x-a\r\nx-b'],
    ['nothing', ''],
  ])('a header name with %s is refused naming it', async (_what, name) => {
    await expectRefused({ headers: { [name]: 'v' } }, `headers.${name}`);
  });
});

describe('headers: values', () => {
  it.each([
    ['CR LF', 'a\r\nx-injected: 1'],
    ['a bare LF', 'a\nb'],
    ['NUL', 'a\u0000b'],
    ['another control character', 'a\u0001b'],
    ['DEL', 'a\u007fb'],
    ['a lone surrogate (not UTF-8)', 'a\ud800b'],
  ])('a header value with %s is refused naming the header', async (_what, value) => {
    await expectRefused({ headers: { 'x-custom': value } }, 'headers.x-custom');
  });

  it('a header value with a tab inside is valid HTTP and is stored', async () => {
    const value = 'attachment;\tfilename="a.txt"';
    await oss.client.upload('headers/tab.txt', Readable.from([Buffer.from('x')]), {
      headers: { 'Content-Disposition': value },
    });
    const head = await oss.client.headObject('headers/tab.txt');
    expect(head.headers['content-disposition']).toBe(value);
  });
});

describe('headers: the ones the client computes or the connection owns', () => {
  it.each([
    'Content-Length',
    'content-md5',
    'Authorization',
    'Host',
    'Date',
    'x-oss-date',
    'x-oss-content-sha256',
    'x-oss-security-token',
    'Transfer-Encoding',
    'Connection',
    'Expect',
    'Keep-Alive',
    'Upgrade',
    'TE',
    'Trailer',
  ])('%s is refused naming it', async (name) => {
    await expectRefused({ headers: { [name]: '5' } }, `headers.${name}`);
  });

  it.each([
    ['x-oss-object-acl', 'acl'],
    ['x-oss-forbid-overwrite', 'forbidOverwrite'],
    ['x-oss-storage-class', 'storageClass'],
    ['x-oss-tagging', 'tagging'],
    ['x-oss-server-side-encryption', 'serverSideEncryption'],
  ])('%s is refused in favour of the %s option', async (name, option) => {
    await expectRefused({ headers: { [name]: 'private' } }, `headers.${name}`);
    const error = streamError({ headers: { [name]: 'private' } }) as Error;
    expect(error.message).toContain(option);
  });

  it('x-oss-copy-source (which would turn the upload into a copy) is refused', async () => {
    await expectRefused({ headers: { 'x-oss-copy-source': '/b/k' } }, 'headers.x-oss-copy-source');
  });
});

describe('meta', () => {
  it.each([
    ['a space', 'bad name'],
    ['a non-ASCII letter', 'café'],
    ['a colon', 'a:b'],
    ['nothing', ''],
  ])('a metadata name with %s is refused naming it', async (_what, name) => {
    await expectRefused({ meta: { [name]: 'v' } }, `meta.${name}`);
  });

  it.each([
    ['CR LF', 'a\r\nb'],
    ['NUL', 'a\u0000b'],
    ['a control character', '\u001b[31m'],
    ['a lone surrogate', '\udc00'],
  ])('a metadata value with %s is refused naming it', async (_what, value) => {
    await expectRefused({ meta: { a: value } }, 'meta.a');
  });
});

describe('tagging', () => {
  it('a tag value that is not valid UTF-8 is an OssOptionError, not a URIError', async () => {
    await expectRefused({ tagging: { a: 'x\ud800' } }, 'tagging.a');
  });

  it('an empty tag key is refused', async () => {
    await expectRefused({ tagging: { '': 'v' } }, 'tagging.');
  });

  it('more than 10 tags, a key over 128 or a value over 256 characters are refused', async () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    await expectRefused({ tagging: eleven }, 'tagging');
    const longKey = 'k'.repeat(129);
    await expectRefused({ tagging: { [longKey]: 'v' } }, `tagging.${longKey}`);
    await expectRefused({ tagging: { a: 'v'.repeat(257) } }, 'tagging.a');
  });
});

describe('values whose ends servers may read differently', () => {
  // HTTP strips only spaces and tabs around a value, the Go SDK strips every Unicode space and
  // ali-oss also U+FEFF: a value starting or ending with one cannot be signed so that every
  // reading of it matches. Inside a value they are plain text.
  it.each([
    ['meta', { meta: { a: 'x\u3000' } }, 'meta.a'],
    ['meta', { meta: { a: '\u00a0x' } }, 'meta.a'],
    ['meta', { meta: { a: 'x\u2003 \t' } }, 'meta.a'],
    ['headers', { headers: { 'x-custom': '\ufeffx' } }, 'headers.x-custom'],
    [
      'headers',
      { headers: { 'Content-Disposition': 'inline\u0085' } },
      'headers.Content-Disposition',
    ],
  ])('%s: %j is refused naming the entry', async (_kind, options, option) => {
    await expectRefused(options, option);
  });

  it('the same characters inside a value are sent and read back', async () => {
    const meta = { a: 'x\u3000y\u00a0z\ufeffw' };
    await oss.client.upload('headers/inner-spaces', Readable.from([Buffer.from('x')]), { meta });
    expect((await oss.client.headObject('headers/inner-spaces')).meta).toEqual(meta);
  });
});

describe('other options that become headers', () => {
  it.each([
    [
      'serverSideEncryptionKeyId',
      { serverSideEncryption: 'KMS', serverSideEncryptionKeyId: 'k\r\nx-a: 1' },
    ],
    [
      'serverSideEncryptionKeyId',
      { serverSideEncryption: 'KMS', serverSideEncryptionKeyId: 'k\u0000' },
    ],
    ['contentType', { contentType: 'text/plain\u0000' }],
  ])('%s with a control character is refused naming it', async (option, options) => {
    await expectRefused(options, option);
  });
});
