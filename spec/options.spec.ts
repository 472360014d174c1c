import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { resolveUploadOptions } from '../lib/options.ts';

function optionError(options: unknown): OssOptionError {
  try {
    resolveUploadOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(OssOptionError);
    return error as OssOptionError;
  }
  throw new Error('expected an OssOptionError');
}

describe('upload options', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveUploadOptions({});
    expect(resolved.partSize).toBe(8 * 1024 * 1024);
    expect(resolved.concurrency).toBe(4);
    expect(resolved.leavePartsOnError).toBe(false);
    expect(resolved.checkCrc64).toBe(true);
    expect(resolved.objectHeaders).toEqual({});
  });

  it.each([
    [{ partSize: 102_399 }, 'partSize'],
    [{ partSize: 5 * 1024 ** 3 + 1 }, 'partSize'],
    [{ partSize: '8MiB' }, 'partSize'],
    [{ partSize: 1.5e6 + 0.5 }, 'partSize'],
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: Number.NaN }, 'concurrency'],
    [{ contentLength: -1 }, 'contentLength'],
    [{ signal: {} }, 'signal'],
    [{ leavePartsOnError: 'yes' }, 'leavePartsOnError'],
    [{ storageClass: 'Cold' }, 'storageClass'],
    [{ acl: 'public' }, 'acl'],
    [{ serverSideEncryption: 'AES' }, 'serverSideEncryption'],
    [{ serverSideEncryptionKeyId: 'k' }, 'serverSideEncryptionKeyId'],
    [{ meta: { 'bad name': 'x' } }, 'meta.bad name'],
    [{ meta: { a: 1 } }, 'meta.a'],
    [{ headers: { 'x-a': 'line\r\nbreak' } }, 'headers.x-a'],
    [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    [{ retry: { tries: 3 } }, 'retry.tries'],
    [{ hashing: 'gpu' }, 'hashing'],
    [{ resume: {} }, 'resume'],
    [{ resume: { uploadId: 'a b' } }, 'resume'],
    [{ resume: { uploadId: 'u', extra: 1 } }, 'resume.extra'],
    [{ resume: 'newest' }, 'resume'],
    [{ partsize: 1 }, 'partsize'],
    [null, 'options'],
    ['fast', 'options'],
    [{ concurrency: 1001 }, 'concurrency'],
    [{ contentLength: 10_000 * 5 * 1024 ** 3 + 1 }, 'contentLength'],
    [{ contentType: 'text/plain\u0001' }, 'contentType'],
    [{ headers: { 'x-oss-meta-a': '1' } }, 'headers.x-oss-meta-a'],
    [{ headers: { 'Cache-Control': 'a', 'cache-control': 'b' } }, 'headers.cache-control'],
    [{ meta: { A: '1', a: '2' } }, 'meta.a'],
    [{ meta: { a: 'x'.repeat(8 * 1024) } }, 'meta'],
    [{ tagging: { a: 1 } }, 'tagging.a'],
  ])('rejects %j naming %s', (options, name) => {
    const error = optionError(options);
    expect(error.option).toBe(name);
    expect(error.message).toContain(name);
    expect(error.code).toBe('ERR_OSS_INVALID_OPTION');
  });

  it('maps object options to the headers the protocol puts them on', () => {
    const resolved = resolveUploadOptions({
      contentType: 'text/plain',
      meta: { Author: 'alice' },
      storageClass: 'IA',
      acl: 'private',
      serverSideEncryption: 'KMS',
      serverSideEncryptionKeyId: 'key-1',
      tagging: { a: '1', 'b c': 'd&e' },
      forbidOverwrite: true,
      headers: { 'Cache-Control': 'no-cache' },
    });
    expect(resolved.objectHeaders).toEqual({
      'cache-control': 'no-cache',
      'content-type': 'text/plain',
      'x-oss-meta-author': 'alice',
      'x-oss-storage-class': 'IA',
      'x-oss-object-acl': 'private',
      'x-oss-server-side-encryption': 'KMS',
      'x-oss-server-side-encryption-key-id': 'key-1',
      'x-oss-tagging': 'a=1&b%20c=d%26e',
      'x-oss-forbid-overwrite': 'true',
    });
    expect(resolved.completeHeaders).toEqual({
      'x-oss-object-acl': 'private',
      'x-oss-forbid-overwrite': 'true',
    });
  });
});

describe('metadata size', () => {
  it('accepts exactly 8 KiB of names and values, in UTF-8 bytes', () => {
    // 'a' + 4095 × 'é' (2 bytes each) + 'b' + '' = 8192 bytes.
    const meta = { a: 'é'.repeat(4095), b: '' };
    expect(() => resolveUploadOptions({ meta })).not.toThrow();
    expect(() => resolveUploadOptions({ meta: { ...meta, c: '' } })).toThrow(/8192/);
  });
});

describe('upload retry options', () => {
  it("takes the limits it does not set from the client's", () => {
    const client = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1000 };
    expect(resolveUploadOptions({ retry: { baseDelayMs: 10 } }, client).retry).toEqual({
      maxAttempts: 5,
      baseDelayMs: 10,
      maxDelayMs: 1000,
    });
    expect(resolveUploadOptions({}, client).retry).toBeUndefined();
  });

  it.each([5, '', 'text/plain\r\nx-evil: 1'])(
    'rejects contentType %j naming the option',
    (contentType) => {
      expect(() => resolveUploadOptions({ contentType })).toThrow(
        expect.objectContaining({ option: 'contentType' }),
      );
    },
  );
});
