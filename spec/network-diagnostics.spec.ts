/**
 * What the transport tells the world about its requests: a User-Agent naming the library and
 * the runtime on every request, and request events on node:diagnostics_channel without any
 * secret in them.
 */
import { randomBytes } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../lib/oss/diagnostics.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { PACKAGE_VERSION } from '../lib/oss/user-agent.ts';
import { BUCKET, useOss } from './helpers/oss.ts';
import { findSecrets } from './helpers/reliability/secrets.ts';
import { startScriptedServer, type ScriptedServer, xml } from './helpers/scripted-server.ts';

const oss = useOss();
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer((_req, res) =>
    xml(res, 200, '', { etag: '"9DD4E461268C8034F5C8564E155C67A6"' }),
  );
});
afterAll(() => server.close());

describe('User-Agent', () => {
  it('names the package version of package.json and the Node version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(PACKAGE_VERSION).toBe(pkg.version);
    const t = new OssTransport({
      endpoint: server.endpoint,
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
    });
    await t.putObject('k', Buffer.from('x'));
    await t.headObject('k');
    const agents = server.requests.slice(-2).map((r) => r.headers['user-agent']);
    expect(agents).toEqual(
      Array(2).fill(`oss-multipart-stream/${pkg.version} node/${process.versions.node}`),
    );
    await t.close();
  });
});

function record(): {
  events: { channel: string; payload: Record<string, unknown> }[];
  stop(): void;
} {
  const events: { channel: string; payload: Record<string, unknown> }[] = [];
  const handlers = Object.values(CHANNELS).map((name) => {
    const handler = (payload: unknown) =>
      events.push({ channel: name, payload: payload as Record<string, unknown> });
    diagnosticsChannel.subscribe(name, handler);
    return () => diagnosticsChannel.unsubscribe(name, handler);
  });
  return {
    events,
    stop: () => {
      for (const unsubscribe of handlers) unsubscribe();
    },
  };
}

describe('diagnostics channels', () => {
  it('publish start, error, retry and end of each attempt', async () => {
    const t = new OssTransport({
      endpoint: oss.emulator.endpoint,
      bucket: BUCKET,
      region: oss.emulator.region,
      credentials: oss.emulator.credentials,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    oss.emulator.faults.add({
      operation: 'PutObject',
      kind: 'error',
      status: 503,
      code: 'ServiceUnavailable',
    });
    const recorder = record();
    try {
      await t.putObject('diag/key', Buffer.from('x'));
    } finally {
      recorder.stop();
    }
    const base = { operation: 'PutObject', method: 'PUT', bucket: BUCKET, key: 'diag/key' };
    expect(recorder.events).toEqual([
      { channel: CHANNELS.start, payload: { ...base, attempt: 1 } },
      {
        channel: CHANNELS.error,
        payload: {
          ...base,
          attempt: 1,
          status: 503,
          durationMs: expect.any(Number),
          errorCode: 'ERR_OSS_RESPONSE',
          ossCode: 'ServiceUnavailable',
        },
      },
      {
        channel: CHANNELS.retry,
        payload: {
          ...base,
          attempt: 1,
          delayMs: expect.any(Number),
          errorCode: 'ERR_OSS_RESPONSE',
          ossCode: 'ServiceUnavailable',
        },
      },
      { channel: CHANNELS.start, payload: { ...base, attempt: 2 } },
      {
        channel: CHANNELS.end,
        payload: { ...base, attempt: 2, status: 200, durationMs: expect.any(Number) },
      },
    ]);
    await t.close();
  });

  it('carry no secret, token or signature, even for a refused signature', async () => {
    const credentials = {
      accessKeyId: `STS.${randomBytes(6).toString('hex')}`,
      accessKeySecret: `secret-${randomBytes(12).toString('hex')}`,
      securityToken: `token-${randomBytes(24).toString('base64url')}`,
    };
    const t = new OssTransport({
      endpoint: oss.emulator.endpoint,
      bucket: BUCKET,
      region: oss.emulator.region,
      credentials,
      retry: { maxAttempts: 1 },
    });
    const recorder = record();
    try {
      await t.putObject('diag/refused', Buffer.from('x')).catch(() => undefined);
      await t.getObject('diag/refused').catch(() => undefined);
    } finally {
      recorder.stop();
    }
    expect(recorder.events.length).toBeGreaterThanOrEqual(4);
    const payloads = recorder.events.map((e) => e.payload);
    expect(findSecrets(payloads, [credentials.accessKeySecret, credentials.securityToken])).toEqual(
      [],
    );
    expect(JSON.stringify(payloads)).not.toMatch(/authorization|OSS4-HMAC|Signature/i);
    await t.close();
  });
});
