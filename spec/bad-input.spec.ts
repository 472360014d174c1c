/**
 * Bad input: every mistake a caller can make gets a typed error that names the
 * problem, thrown early (by `new OssClient`, `createUploadStream` or `write`), and nothing
 * reaches the server — the emulator's counters stay at zero.
 */
import { describe, expect, it } from 'vitest';
import { OssClient } from '../lib/client.ts';
import {
  OssCredentialsError,
  OssKeyError,
  OssOptionError,
  OssStreamError,
  OssUploadError,
  OssWriteError,
} from '../lib/errors.ts';
import type { OssClientOptions } from '../lib/oss/client-options.ts';
import { BUCKET, useOss } from './helpers/oss.ts';
import { findSecrets } from './helpers/reliability/secrets.ts';

const SECRET = 'bad-input-secret-0123456789abcdef';

const oss = useOss();

function nothingSent(): void {
  const { stats } = oss.emulator;
  const total = Object.values(stats.requests).reduce((a, b) => a + b, 0);
  expect({ requests: total, bytes: stats.bytesReceived }).toEqual({ requests: 0, bytes: 0 });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

async function rejected(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function baseOptions(): OssClientOptions {
  return {
    endpoint: oss.emulator.endpoint,
    bucket: BUCKET,
    region: oss.emulator.region,
    credentials: oss.emulator.credentials,
  };
}

/** Client options with one field replaced (undefined removes it). */
function clientWith(changes: Record<string, unknown>): unknown {
  const options: Record<string, unknown> = { ...baseOptions(), ...changes };
  for (const [name, value] of Object.entries(changes))
    if (value === undefined) delete options[name];
  return options;
}

describe('client options: thrown by new OssClient, naming the option', () => {
  const cases: [string, Record<string, unknown>, string, RegExp?][] = [
    ['missing credentials', { credentials: undefined }, 'credentials', /required/],
    [
      'credentials without a secret',
      { credentials: { accessKeyId: 'id' } },
      'credentials',
      /accessKeySecret/,
    ],
    [
      'an empty access key id',
      { credentials: { accessKeyId: '', accessKeySecret: SECRET } },
      'credentials',
      /accessKeyId/,
    ],
    ['credentials as a string', { credentials: 'id:secret' }, 'credentials'],
    [
      'a numeric security token',
      { credentials: { accessKeyId: 'id', accessKeySecret: SECRET, securityToken: 5 } },
      'credentials',
      /securityToken/,
    ],
    ['an ftp endpoint', { endpoint: 'ftp://127.0.0.1:1' }, 'endpoint', /protocol/],
    ['an endpoint with a path', { endpoint: 'http://127.0.0.1:1/bucket' }, 'endpoint', /path/],
    [
      'an endpoint with user info',
      { endpoint: `http://id:${SECRET}@127.0.0.1:1` },
      'endpoint',
      /credentials/,
    ],
    ['an empty endpoint', { endpoint: '' }, 'endpoint'],
    ['a numeric endpoint', { endpoint: 42 }, 'endpoint'],
    ['an unparsable endpoint', { endpoint: 'http://[::1' }, 'endpoint', /not a valid/],
    ['an endpoint with spaces', { endpoint: 'http://exa mple.com' }, 'endpoint'],
    ['a missing endpoint', { endpoint: undefined }, 'endpoint'],
    ['an invalid bucket', { bucket: 'Bad_Bucket' }, 'bucket'],
    ['a short bucket', { bucket: 'ab' }, 'bucket'],
    ['a missing bucket', { bucket: undefined }, 'bucket'],
    ['a region with a space', { region: 'cn hangzhou' }, 'region'],
    ['an unknown signature version', { signatureVersion: 'v3' }, 'signatureVersion'],
    ['pathStyle as a string', { pathStyle: 'yes' }, 'pathStyle'],
    ['timeoutMs 0', { timeoutMs: 0 }, 'timeoutMs'],
    ['timeoutMs as a string', { timeoutMs: '1000' }, 'timeoutMs'],
    ['a fractional timeoutMs', { timeoutMs: 1.5 }, 'timeoutMs'],
    ['retry.maxAttempts 0', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    ['a negative retry.baseDelayMs', { retry: { baseDelayMs: -1 } }, 'retry.baseDelayMs'],
    ['an unknown retry field', { retry: { tries: 3 } }, 'retry.tries'],
    ['retry as a number', { retry: 3 }, 'retry'],
    ['an unknown option', { timeout: 1000 }, 'timeout', /unknown/],
  ];
  it.each(cases)('%s', (_name, changes, option, pattern) => {
    const error = thrown(() => new OssClient(clientWith(changes) as OssClientOptions));
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).code).toBe('ERR_OSS_INVALID_OPTION');
    expect((error as OssOptionError).option).toBe(option);
    expect((error as Error).message).toContain(`"${option}"`);
    if (pattern) expect((error as Error).message).toMatch(pattern);
    expect(findSecrets([error], [SECRET])).toEqual([]);
    nothingSent();
  });

  it.each([null, 'options', 42])('options %j', (options) => {
    const error = thrown(() => new OssClient(options as unknown as OssClientOptions));
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toBe('options');
  });

  it('a V4 client without a region on an endpoint that does not name one', () => {
    const error = thrown(
      () => new OssClient(clientWith({ region: undefined }) as OssClientOptions),
    );
    expect((error as OssOptionError).option).toBe('region');
    expect((error as Error).message).toMatch(/V4/);
  });
});

describe('upload options: thrown by createUploadStream, naming the option', () => {
  const cases: [string, unknown, string][] = [
    ['partSize below 100 KiB', { partSize: 1000 }, 'partSize'],
    ['partSize above 5 GiB', { partSize: 6 * 1024 ** 3 }, 'partSize'],
    ['a fractional partSize', { partSize: 102_400.5 }, 'partSize'],
    ['partSize as a string', { partSize: '8MiB' }, 'partSize'],
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['concurrency 1001', { concurrency: 1001 }, 'concurrency'],
    ['concurrency NaN', { concurrency: Number.NaN }, 'concurrency'],
    ['concurrency as a string', { concurrency: '4' }, 'concurrency'],
    ['a negative contentLength', { contentLength: -1 }, 'contentLength'],
    ['a fractional contentLength', { contentLength: 1.5 }, 'contentLength'],
    ['a signal that is not an AbortSignal', { signal: { aborted: false } }, 'signal'],
    ['leavePartsOnError as a string', { leavePartsOnError: 'yes' }, 'leavePartsOnError'],
    ['headers as a string', { headers: 'x-a: b' }, 'headers'],
    ['a numeric header value', { headers: { 'x-a': 5 } }, 'headers.x-a'],
    ['a header value with CRLF', { headers: { 'x-a': 'b\r\nx-evil: 1' } }, 'headers.x-a'],
    ['a metadata name with a space', { meta: { 'bad name': 'v' } }, 'meta.bad name'],
    ['a numeric metadata value', { meta: { a: 1 } }, 'meta.a'],
    ['a numeric contentType', { contentType: 5 }, 'contentType'],
    ['an unknown storage class', { storageClass: 'Cold' }, 'storageClass'],
    ['an unknown acl', { acl: 'secret' }, 'acl'],
    ['an unknown encryption', { serverSideEncryption: 'DES' }, 'serverSideEncryption'],
    ['a KMS key id without KMS', { serverSideEncryptionKeyId: 'k' }, 'serverSideEncryptionKeyId'],
    ['a numeric tag value', { tagging: { a: 1 } }, 'tagging.a'],
    ['forbidOverwrite as a number', { forbidOverwrite: 1 }, 'forbidOverwrite'],
    ['retry.maxAttempts 0', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    ['checkCrc64 as a string', { checkCrc64: 'true' }, 'checkCrc64'],
    ['deleteOnIntegrityError as null', { deleteOnIntegrityError: null }, 'deleteOnIntegrityError'],
    ['an unknown hashing mode', { hashing: 'gpu' }, 'hashing'],
    ['resume without an uploadId', { resume: {} }, 'resume'],
    ['resume with an empty uploadId', { resume: { uploadId: '' } }, 'resume'],
    ['resume as a string', { resume: 'upload-id' }, 'resume'],
    ['a misspelt option', { concurency: 4 }, 'concurency'],
    ['options as a string', 'fast', 'options'],
    ['options as an array', [], 'options'],
  ];
  it.each(cases)('%s', (_name, options, option) => {
    const error = thrown(() => oss.client.createUploadStream('bad-options', options as never));
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).code).toBe('ERR_OSS_INVALID_OPTION');
    expect((error as OssOptionError).option).toBe(option);
    expect((error as Error).message).toContain(`"${option}"`);
    nothingSent();
  });

  it('the promise form rejects with the same error before sending anything', async () => {
    const error = await rejected(
      oss.client.upload('bad-options', [Buffer.from('x')], { partSize: 1 }),
    );
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toBe('partSize');
    nothingSent();
  });
});

describe('object keys: thrown by createUploadStream and every operation', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an empty key', '', /empty/],
    ['a key of 1024 bytes', 'k'.repeat(1024), /1024 bytes/],
    ['512 two-byte characters (1024 bytes of UTF-8)', 'é'.repeat(512), /1024 bytes/],
    ['a leading slash', '/leading', /start with/],
    ['a leading backslash', '\\leading', /start with/],
    ['a NUL byte', 'a\u0000b', /U\+0000/],
    ['a tab', 'tab\there', /U\+0009/],
    ['a newline', 'new\nline', /U\+000a/],
    ['DEL', 'del\u007f', /U\+007f/],
    ['a lone surrogate', 'half\ud800', /surrogate/],
    ['a number', 42, /string/],
    ['null', null, /string/],
  ];
  it.each(cases)('%s', async (_name, key, pattern) => {
    const error = thrown(() => oss.client.createUploadStream(key as string));
    expect(error).toBeInstanceOf(OssKeyError);
    expect((error as OssKeyError).code).toBe('ERR_OSS_INVALID_KEY');
    expect((error as Error).message).toMatch(pattern);
    for (const call of [
      () => oss.client.upload(key as string, [Buffer.from('x')]),
      () => oss.client.putObject(key as string, Buffer.from('x')),
      () => oss.client.initiateMultipartUpload(key as string),
      () => oss.client.headObject(key as string),
      () => oss.client.getObject(key as string),
      () => oss.client.deleteObject(key as string),
    ]) {
      expect(await rejected(call())).toBeInstanceOf(OssKeyError);
    }
    nothingSent();
  });

  it('accepts keys right at the limits (1023 bytes of UTF-8, spaces, dots, unicode)', () => {
    for (const key of ['k'.repeat(1023), `${'é'.repeat(511)}k`, 'a b/../c.', '日本/😀']) {
      const stream = oss.client.createUploadStream(key);
      // destroy() reports an OssUploadError (aborted) through 'error'.
      stream.on('error', () => undefined);
      stream.destroy();
    }
    nothingSent();
  });
});

describe('credentials from a provider', () => {
  it('a provider returning incomplete credentials fails the upload before any request', async () => {
    const client = oss.clientWith({
      credentials: async () => ({ accessKeyId: 'id' }) as never,
    });
    const error = await rejected(client.upload('bad-provider', [Buffer.from('x')]));
    expect(error).toBeInstanceOf(OssUploadError);
    expect((error as OssUploadError).cause).toBeInstanceOf(OssCredentialsError);
    expect(((error as OssUploadError).cause as Error).message).toMatch(/accessKeySecret/);
    nothingSent();
  });

  it('a provider that throws fails the upload with OssCredentialsError, no request sent', async () => {
    const client = oss.clientWith({
      credentials: () => {
        throw Object.assign(new Error('metadata service unreachable'), {
          options: { headers: { authorization: SECRET } },
        });
      },
    });
    const error = await rejected(client.upload('throwing-provider', [Buffer.from('x')]));
    expect(error).toBeInstanceOf(OssUploadError);
    expect((error as OssUploadError).cause).toBeInstanceOf(OssCredentialsError);
    expect(findSecrets([error], [SECRET])).toEqual([]);
    nothingSent();
  });
});

describe('writes', () => {
  it('strings in every encoding, Buffers and Uint8Arrays are accepted', async () => {
    const stream = oss.client.createUploadStream('writes/mixed');
    const writes: [string | Uint8Array, BufferEncoding | undefined][] = [
      ['héllo ', 'utf8'],
      ['776f726c64', 'hex'],
      ['IQ==', 'base64'],
      ['LQ', 'base64url'],
      ['caf\u00e9', 'latin1'],
      ['ok', 'utf16le'],
      ['plain', undefined],
      [new Uint8Array([1, 2, 3]), undefined],
      [Buffer.from('buffer'), undefined],
      [new Uint8Array(new ArrayBuffer(10), 2, 4).fill(7), undefined],
    ];
    const expected = Buffer.concat(
      writes.map(([chunk, encoding]) =>
        typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk),
      ),
    );
    const done = new Promise((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    for (const [chunk, encoding] of writes) {
      if (encoding) stream.write(chunk, encoding);
      else stream.write(chunk);
    }
    stream.end();
    await done;
    expect(await oss.client.getObjectBuffer('writes/mixed')).toEqual(expected);
  });

  it.each([
    ['a number', 42, /number/],
    ['an object', { bytes: [1, 2] }, /Object/],
    ['an array', [1, 2, 3], /Array/],
    ['null', null, /null/],
    ['a boolean', true, /boolean/],
    ['a DataView', new DataView(new ArrayBuffer(4)), /DataView/],
  ])(
    'write(%s) throws OssWriteError at once and the stream carries on',
    async (_n, chunk, pattern) => {
      const key = `writes/after-bad-${typeof chunk}`;
      const stream = oss.client.createUploadStream(key);
      stream.write('before ');
      const error = thrown(() => stream.write(chunk as never));
      expect(error).toBeInstanceOf(OssWriteError);
      expect((error as OssWriteError).code).toBe('ERR_OSS_INVALID_WRITE');
      expect((error as Error).message).toMatch(pattern);
      expect(stream.destroyed).toBe(false);
      nothingSent();
      const done = new Promise((resolve, reject) => {
        stream.on('finish', resolve);
        stream.on('error', reject);
      });
      stream.end('after');
      await done;
      expect((await oss.client.getObjectBuffer(key)).toString()).toBe('before after');
    },
  );

  it('a string with an unknown encoding throws OssWriteError naming it', () => {
    const stream = oss.client.createUploadStream('writes/unknown-encoding');
    const error = thrown(() => stream.write('x', 'klingon' as BufferEncoding));
    expect(error).toBeInstanceOf(OssWriteError);
    expect((error as Error).message).toContain('klingon');
    stream.on('error', () => undefined);
    stream.destroy();
    nothingSent();
  });

  it('write() after end() throws OssWriteError; the object holds only what came before', async () => {
    const stream = oss.client.createUploadStream('writes/after-end');
    const done = new Promise((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    stream.write('all of it');
    stream.end();
    const error = thrown(() => stream.write('too late'));
    expect(error).toBeInstanceOf(OssWriteError);
    expect((error as Error).message).toMatch(/after end/);
    await done;
    expect((await oss.client.getObjectBuffer('writes/after-end')).toString()).toBe('all of it');
  });

  it('every error above is an OssStreamError with a stable code', () => {
    for (const ErrorClass of [OssOptionError, OssKeyError, OssWriteError, OssCredentialsError]) {
      expect(ErrorClass.prototype).toBeInstanceOf(OssStreamError);
    }
  });
});
