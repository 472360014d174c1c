/**
 * No secret in any error: not the access key secret, not the STS token, in whatever form a
 * server echoes them, and not through got's request options on a failed GetObject body.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OssNetworkError, OssResponseError, OssStreamError } from '../lib/errors.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { findSecrets } from './helpers/reliability/secrets.ts';
import { startScriptedServer, type ScriptedServer, xml } from './helpers/scripted-server.ts';

const secret = `secret-${randomBytes(12).toString('hex')}`;
const token = `token-${randomBytes(24).toString('base64url')}`;
const SECRETS = [secret, token];

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

function transport(): OssTransport {
  return new OssTransport({
    endpoint: server.endpoint,
    bucket: 'test-bucket',
    region: 'cn-hangzhou',
    credentials: { accessKeyId: 'STS.id', accessKeySecret: secret, securityToken: token },
    retry: { maxAttempts: 1 },
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('GetObject body failures', () => {
  it('a connection cut mid-body fails getObjectBuffer with our error, without secrets', async () => {
    server.answer((_req, res) => {
      res.writeHead(200, { 'content-length': 100_000, 'content-type': 'text/plain' });
      res.write(Buffer.alloc(1000, 1), () => res.destroy());
    });
    const t = transport();
    const error = await rejection(t.getObjectBuffer('k'));
    expect(error).toBeInstanceOf(OssNetworkError);
    expect((error as OssNetworkError).operation).toBe('GetObject');
    expect(findSecrets([error], SECRETS)).toEqual([]);
    expect(JSON.stringify(error)).not.toContain('x-oss-security-token');
  });

  it('a streaming body emits our error, without secrets', async () => {
    server.answer((_req, res) => {
      res.writeHead(200, { 'content-length': 100_000 });
      res.write(Buffer.alloc(1000, 1), () => res.destroy());
    });
    const { body } = await transport().getObject('k');
    const error = await new Promise((resolve) => {
      body.on('error', resolve);
      body.resume();
    });
    expect(error).toBeInstanceOf(OssStreamError);
    expect(findSecrets([error], SECRETS)).toEqual([]);
  });
});

describe('secrets echoed by the server in an error answer', () => {
  const hex = Buffer.from(token)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1 ');
  it.each([
    ['a <SecurityToken> element', `<SecurityToken>${token}</SecurityToken>`],
    ['free text in the message', `<Message>the token ${token} has expired</Message>`],
    [
      'an indented header line',
      `<StringToSign>PUT\n\n\n   x-oss-security-token: ${token}\n/b/k</StringToSign>`,
    ],
    ['the secret in free text', `<Detail>key ${secret}</Detail>`],
    ['url-encoded', `<Detail>${encodeURIComponent(`${token}+/=`)}</Detail>`],
    ['the spaced hex of the string to sign', `<StringToSignBytes>${hex}</StringToSignBytes>`],
    ['base64', `<Detail>${Buffer.from(secret).toString('base64')}</Detail>`],
  ])('%s reaches no field of the error', async (_what, element) => {
    server.answer((_req, res) =>
      xml(
        res,
        403,
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>${element}<RequestId>0123456789ABCDEF01234567</RequestId></Error>`,
      ),
    );
    const error = await rejection(transport().putObject('k', Buffer.from('x')));
    expect(error).toBeInstanceOf(OssResponseError);
    expect((error as OssResponseError).ossCode).toBe('AccessDenied');
    expect(findSecrets([error], SECRETS)).toEqual([]);
  });
});
