/**
 * Header values with non-ASCII characters go out as their UTF-8 bytes, and the signature covers
 * exactly those bytes: checked on the wire by a raw server and by the emulator's own signature
 * verification, for V4 and V1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { BUCKET, useOss } from './helpers/oss.ts';
import { startScriptedServer, type ScriptedServer, xml } from './helpers/scripted-server.ts';

const oss = useOss();
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer((_req, res) =>
    xml(res, 200, '', { etag: '"9DD4E461268C8034F5C8564E155C67A6"' }),
  );
});
afterAll(() => server.close());

const VALUES = ['café', '阿达', 'plain ascii'];

describe('non-ASCII header values on the wire', () => {
  it.each(VALUES)('%s is sent as its UTF-8 bytes', async (value) => {
    const t = new OssTransport({
      endpoint: server.endpoint,
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      retry: { maxAttempts: 1 },
    });
    await t.putObject('k', Buffer.from('x'), { headers: { 'x-oss-meta-name': value } });
    const sent = server.requests.at(-1)?.rawHeaders.get('x-oss-meta-name');
    expect(sent?.toString('hex')).toBe(Buffer.from(value, 'utf8').toString('hex'));
  });
});

describe.each(['v4', 'v1'] as const)('non-ASCII metadata through the emulator (%s)', (version) => {
  it.each(VALUES)(
    '%s is accepted by the signature check and reads back the same',
    async (value) => {
      const t = new OssTransport({
        endpoint: oss.emulator.endpoint,
        bucket: BUCKET,
        region: oss.emulator.region,
        credentials: oss.emulator.credentials,
        signatureVersion: version,
        retry: { maxAttempts: 1 },
      });
      const key = `meta/${version}/${encodeURIComponent(value)}`;
      await t.putObject(key, Buffer.from('x'), { headers: { 'x-oss-meta-name': value } });
      const head = await t.headObject(key);
      expect(head.meta.name).toBe(value);
      const got = await t.getObject(key);
      got.body.resume();
      expect(got.meta.name).toBe(value);
      await t.close();
    },
  );
});

describe('per-call headers that cannot be sent', () => {
  it.each([
    [{ 'bad name': 'x' }, 'headers.bad name'],
    [{ 'x-oss-meta-a': 'line\r\nbreak' }, 'headers.x-oss-meta-a'],
    [{ 'x-oss-meta-a': 'nul\u0000' }, 'headers.x-oss-meta-a'],
    [{ 'Content-Length': '5' }, 'headers.Content-Length'],
    [{ authorization: 'mine' }, 'headers.authorization'],
  ])('%j is refused naming %s, before any request', async (headers, option) => {
    const t = new OssTransport({
      endpoint: oss.emulator.endpoint,
      bucket: BUCKET,
      region: oss.emulator.region,
      credentials: oss.emulator.credentials,
    });
    const error = await t
      .putObject('bad-header', Buffer.from('x'), { headers })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssOptionError);
    expect((error as OssOptionError).option).toBe(option);
    expect(oss.emulator.stats.requests.PutObject).toBe(0);
  });
});
