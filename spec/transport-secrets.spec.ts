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
import { rejectionOf } from './helpers/outcomes.ts';

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

const rejection = rejectionOf;

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

describe('every failure of every operation', () => {
  const failures: [string, Parameters<ScriptedServer['answer']>[0]][] = [
    ['a connection reset before the answer', (_req, res) => res.destroy()],
    ['no answer within timeoutMs', () => undefined],
    [
      'a 500 echoing the request',
      (req, res) =>
        xml(
          res,
          500,
          `<Error><Code>InternalError</Code><Message>${req.headers['x-oss-security-token']} ${req.headers.authorization}</Message></Error>`,
        ),
    ],
    ['an HTML page with status 200', (_req, res) => xml(res, 200, `<html>${token}</html>`)],
    [
      'a body cut short',
      (_req, res) => {
        res.writeHead(200, { 'content-length': 5000, etag: '"X"' });
        res.write('<Init', () => res.destroy());
      },
    ],
  ];

  it.each(failures)('%s: the error of each operation carries no secret', async (_what, script) => {
    server.answer(script);
    const t = new OssTransport({
      endpoint: server.endpoint,
      bucket: 'test-bucket',
      region: 'cn-hangzhou',
      credentials: { accessKeyId: 'STS.id', accessKeySecret: secret, securityToken: token },
      retry: { maxAttempts: 1 },
      timeoutMs: 300,
    });
    const calls: Promise<unknown>[] = [
      t.initiateMultipartUpload('k'),
      t.uploadPart('k', 'u', 1, Buffer.from('x')),
      t.completeMultipartUpload('k', 'u', [{ partNumber: 1, etag: '"E"' }]),
      t.abortMultipartUpload('k', 'u'),
      t.listParts('k', 'u'),
      t.listMultipartUploads({}),
      t.putObject('k', Buffer.from('x')),
      t.headObject('k'),
      t.getObjectBuffer('k'),
      t.deleteObject('k'),
    ];
    const errors = await Promise.all(
      calls.map((c) =>
        c.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    for (const error of errors.filter((e) => e !== undefined)) {
      expect(error).toBeInstanceOf(OssStreamError);
    }
    expect(errors.filter((e) => e !== undefined).length).toBeGreaterThan(5);
    expect(findSecrets(errors, SECRETS)).toEqual([]);
    t.destroy();
  });
});
