/**
 * Per-call options of the operations are checked before anything is sent, each refusal an
 * OssOptionError naming the option.
 */
import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { BUCKET, useOss } from './helpers/oss.ts';

const oss = useOss();

function transport(): OssTransport {
  return new OssTransport({
    endpoint: oss.emulator.endpoint,
    bucket: BUCKET,
    region: oss.emulator.region,
    credentials: oss.emulator.credentials,
  });
}

const cases: [string, (t: OssTransport) => Promise<unknown>, string][] = [
  [
    'a signal that is not an AbortSignal',
    (t) => t.headObject('k', { signal: {} as AbortSignal }),
    'signal',
  ],
  [
    'an onAttempt that is not a function',
    (t) => t.headObject('k', { onAttempt: 1 as never }),
    'onAttempt',
  ],
  ['pageSize 0', (t) => t.listParts('k', 'u', { pageSize: 0 }), 'pageSize'],
  ['pageSize 1001', (t) => t.listMultipartUploads({ pageSize: 1001 }), 'pageSize'],
  ['maxPages 0', (t) => t.listParts('k', 'u', { maxPages: 0 }), 'maxPages'],
  ['maxPages 1.5', (t) => t.listMultipartUploads({ maxPages: 1.5 }), 'maxPages'],
  [
    'a prefix that is not a string',
    (t) => t.listMultipartUploads({ prefix: 3 as never }),
    'prefix',
  ],
  ['an empty range', (t) => t.getObject('k', { range: '' }), 'range'],
  ['a uploadId that is not a string', (t) => t.listParts('k', 7 as never), 'uploadId'],
  ['an empty uploadId', (t) => t.abortMultipartUpload('k', ''), 'uploadId'],
  ['part number 0', (t) => t.uploadPart('k', 'u', 0, Buffer.from('x')), 'partNumber'],
  ['part number 10001', (t) => t.uploadPart('k', 'u', 10_001, Buffer.from('x')), 'partNumber'],
  ['a body that is not bytes', (t) => t.putObject('k', 'text' as never), 'body'],
];

describe('per-call options', () => {
  it.each(cases)('%s is refused before any request', async (_what, call, option) => {
    const before = Object.values(oss.emulator.stats.requests).reduce((a, b) => a + b, 0);
    const error = await call(transport()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toBe(option);
    const after = Object.values(oss.emulator.stats.requests).reduce((a, b) => a + b, 0);
    expect(after).toBe(before);
  });
});
