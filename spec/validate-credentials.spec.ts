/**
 * Credentials end up in headers (Authorization, x-oss-security-token). A value that cannot be
 * sent in a header is refused before any request: static credentials by `new OssClient` with an
 * OssOptionError naming `credentials`, a provider's answer with an OssCredentialsError. The
 * message never repeats the value (it may be a secret).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OssClient } from '../lib/client.ts';
import { OssCredentialsError, OssOptionError, OssUploadError } from '../lib/errors.ts';
import { BUCKET, useOss } from './helpers/oss.ts';

const oss = useOss({}, { timeoutMs: 2_000, retry: { maxAttempts: 1 } });

function requestsSent(): number {
  return Object.values(oss.emulator.stats.requests).reduce((a, b) => a + b, 0);
}

const BAD = [
  ['accessKeyId with CR LF', { accessKeyId: 'LTAIabc\r\nx-evil: 1', accessKeySecret: 'sk' }],
  ['accessKeyId with NUL', { accessKeyId: 'LTAI\u0000abc', accessKeySecret: 'sk' }],
  [
    'securityToken with CR LF',
    { accessKeyId: 'STS.abc', accessKeySecret: 'sk', securityToken: 'tok-SECRET\r\nx: 1' },
  ],
] as const;

describe('credentials that cannot be sent in a header', () => {
  it.each(BAD)('static: %s is refused by new OssClient', (_what, credentials) => {
    let error: unknown;
    try {
      new OssClient({
        endpoint: oss.emulator.endpoint,
        bucket: BUCKET,
        region: oss.emulator.region,
        credentials,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toMatch(/^credentials/);
    expect(JSON.stringify({ ...(error as object), m: String(error) })).not.toContain('SECRET');
  });

  it.each(BAD)('from a provider: %s fails the upload, nothing sent', async (_what, credentials) => {
    const client = oss.clientWith({ credentials: async () => credentials });
    const error = await client.upload('creds/k', Readable.from([Buffer.from('x')])).then(
      () => new Error('the upload succeeded'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OssUploadError);
    expect((error as OssUploadError).cause).toBeInstanceOf(OssCredentialsError);
    expect(requestsSent()).toBe(0);
  });
});
