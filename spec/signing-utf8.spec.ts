/**
 * The signers sign the bytes that go on the wire: header values and keys as their UTF-8 bytes,
 * and a header value as the server sees it after HTTP parsing, which strips spaces and tabs at
 * both ends and nothing else. The expected strings to sign are written out byte by byte here,
 * independently of the signers' own encoding helpers.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type SignableRequest, signV1, signV4 } from '../lib/oss/signing/index.ts';

const creds = { accessKeyId: 'ak', accessKeySecret: 'sk' };
const now = new Date(Date.UTC(2023, 11, 16, 16, 20, 57));
const RFC1123 = 'Sat, 16 Dec 2023 16:20:57 GMT';
const ISO = '20231216T162057Z';

/** Text pieces as ASCII bytes, byte pieces as given. */
function bytes(...pieces: (string | number[])[]): Buffer {
  return Buffer.concat(
    pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'ascii') : Buffer.from(p))),
  );
}

// UTF-8 of the test values, written out so that no encoder of ours is involved.
const CAFE = [0x63, 0x61, 0x66, 0xc3, 0xa9]; // café
const ADA = [0xe9, 0x98, 0xbf, 0xe8, 0xbe, 0xbe]; // 阿达
const IDEOGRAPHIC_SPACE = [0xe3, 0x80, 0x80]; // U+3000
const NBSP = [0xc2, 0xa0]; // U+00A0
const BOM = [0xef, 0xbb, 0xbf]; // U+FEFF

function request(headers: Record<string, string>, key = 'k'): SignableRequest {
  return { method: 'PUT', bucket: 'b', key, query: {}, headers };
}

function v1Expected(ossLines: Buffer, resource: Buffer, contentType = ''): Buffer {
  return bytes(`PUT\n\n${contentType}\n${RFC1123}\n`, [...ossLines], [...resource]);
}

function v1Auth(stringToSign: Buffer): string {
  return `OSS ak:${createHmac('sha1', 'sk').update(stringToSign).digest('base64')}`;
}

describe('V1 signs UTF-8 bytes', () => {
  it("signs meta 'café' and '阿达' and a non-ASCII key as their UTF-8 bytes", () => {
    const req = request({ 'x-oss-meta-a': 'café', 'x-oss-meta-b': '阿达' }, '阿达/café');
    const { stringToSign } = signV1(req, creds, now);
    const expected = v1Expected(
      bytes(`x-oss-date:${RFC1123}\n`, 'x-oss-meta-a:', CAFE, '\nx-oss-meta-b:', ADA, '\n'),
      bytes('/b/', ADA, '/', CAFE),
    );
    expect(Buffer.from(stringToSign, 'utf8').equals(expected)).toBe(true);
    expect(req.headers['authorization']).toBe(v1Auth(expected));
  });

  it.each([
    ['U+3000 at the end', '阿达\u3000', [...ADA, ...IDEOGRAPHIC_SPACE]],
    ['U+00A0 at the end', 'café\u00a0', [...CAFE, ...NBSP]],
    ['U+FEFF at the start', '\ufeffcafé', [...BOM, ...CAFE]],
  ])('keeps %s: HTTP strips only spaces and tabs, so the server sees it', (_what, value, utf8) => {
    const req = request({ 'x-oss-meta-a': ` \t${value}\t ` });
    const { stringToSign } = signV1(req, creds, now);
    const expected = v1Expected(
      bytes(`x-oss-date:${RFC1123}\n`, 'x-oss-meta-a:', utf8, '\n'),
      bytes('/b/k'),
    );
    expect(Buffer.from(stringToSign, 'utf8').equals(expected)).toBe(true);
  });

  it('signs Content-Type without the spaces around it, as the server receives it', () => {
    const req = request({ 'content-type': '  text/plain; charset=utf-8 ' });
    const { stringToSign } = signV1(req, creds, now);
    expect(stringToSign.split('\n')[2]).toBe('text/plain; charset=utf-8');
  });
});

describe('V4 signs UTF-8 bytes', () => {
  function v4Parts(headers: Record<string, string>, key = 'k') {
    const req = request(headers, key);
    const out = signV4(req, creds, now, 'cn-hangzhou');
    return { req, ...out };
  }

  it("signs meta 'café' and '阿达' and a non-ASCII key as their UTF-8 bytes", () => {
    const { req, canonicalRequest, stringToSign } = v4Parts(
      { 'x-oss-meta-a': 'café', 'x-oss-meta-b': '阿达' },
      '阿达/café',
    );
    const expectedCanonical = bytes(
      'PUT\n/b/%E9%98%BF%E8%BE%BE/caf%C3%A9\n\n',
      'x-oss-content-sha256:UNSIGNED-PAYLOAD\n',
      `x-oss-date:${ISO}\n`,
      'x-oss-meta-a:',
      CAFE,
      '\nx-oss-meta-b:',
      ADA,
      '\n\n\nUNSIGNED-PAYLOAD',
    );
    expect(Buffer.from(canonicalRequest, 'utf8').equals(expectedCanonical)).toBe(true);
    const scope = '20231216/cn-hangzhou/oss/aliyun_v4_request';
    const hash = createHash('sha256').update(expectedCanonical).digest('hex');
    expect(stringToSign).toBe(`OSS4-HMAC-SHA256\n${ISO}\n${scope}\n${hash}`);
    const hmac = (key: string | Buffer, data: string) =>
      createHmac('sha256', key).update(data).digest();
    const signingKey = hmac(
      hmac(hmac(hmac('aliyun_v4sk', '20231216'), 'cn-hangzhou'), 'oss'),
      'aliyun_v4_request',
    );
    const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
    expect(req.headers['authorization']).toBe(
      `OSS4-HMAC-SHA256 Credential=ak/${scope},Signature=${signature}`,
    );
  });

  it.each([
    ['U+3000 at the end', '阿达\u3000', [...ADA, ...IDEOGRAPHIC_SPACE]],
    ['U+00A0 at the end', 'café\u00a0', [...CAFE, ...NBSP]],
    ['U+FEFF at the start', '\ufeffcafé', [...BOM, ...CAFE]],
  ])('keeps %s: HTTP strips only spaces and tabs, so the server sees it', (_what, value, utf8) => {
    const { canonicalRequest } = v4Parts({ 'x-oss-meta-a': ` \t${value}\t ` });
    const line = Buffer.from(canonicalRequest, 'utf8')
      .toString('latin1')
      .split('\n')
      .find((l) => l.startsWith('x-oss-meta-a:'));
    expect(Buffer.from(line ?? '', 'latin1').equals(bytes('x-oss-meta-a:', utf8))).toBe(true);
  });
});
