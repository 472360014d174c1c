import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Credentials,
  encodeKeyPath,
  formatIso8601Basic,
  formatRfc1123,
  type SignableRequest,
  signV1,
  signV4,
  uriEncode,
  v1Signature,
  v1StringToSign,
  v4CanonicalRequest,
  v4Region,
  v4Scope,
  v4Signature,
  v4SigningKey,
  v4StringToSign,
} from '../lib/oss/signing/index.ts';

const creds: Credentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };
const sts: Credentials = { ...creds, securityToken: 'token' };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('encoding', () => {
  it('encodes key paths byte-wise with uppercase hex', () => {
    expect(encodeKeyPath('demo/gp-\f\n\v')).toBe('demo/gp-%0C%0A%0B');
    expect(encodeKeyPath('key+123')).toBe('key%2B123');
    expect(encodeKeyPath("a b!'()*~._-/中")).toBe('a%20b%21%27%28%29%2A~._-/%E4%B8%AD');
    expect(encodeKeyPath('😀')).toBe('%F0%9F%98%80');
  });
  it('uriEncode keeps or encodes the slash', () => {
    expect(uriEncode('a/b c+', true)).toBe('a/b%20c%2B');
    expect(uriEncode('a/b c+', false)).toBe('a%2Fb%20c%2B');
  });
  it('formats dates', () => {
    expect(formatRfc1123(new Date(Date.UTC(2022, 11, 28, 10, 27, 41)))).toBe(
      'Wed, 28 Dec 2022 10:27:41 GMT',
    );
    expect(formatRfc1123(new Date(Date.UTC(2023, 0, 2, 3, 4, 5)))).toBe(
      'Mon, 02 Jan 2023 03:04:05 GMT',
    );
    expect(formatIso8601Basic(new Date(1702743657_123))).toBe('20231216T162057Z');
  });
  it('strips the oss- prefix from regions', () => {
    expect(v4Region('oss-cn-hangzhou')).toBe('cn-hangzhou');
    expect(v4Region('cn-hangzhou')).toBe('cn-hangzhou');
  });
});

// Official vectors: Go SDK v2 signer tests, TestV1AuthHeader, credentials ak/sk.
describe('V1 official vectors (Go SDK v2 TestV1AuthHeader)', () => {
  const date = 'Wed, 28 Dec 2022 10:27:41 GMT';
  const now = new Date(date);
  const base = (query: Record<string, string>): SignableRequest => ({
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'nelson',
    query,
    headers: {
      'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==',
      'content-type': 'text/html',
      'x-oss-meta-author': 'alice',
      'x-oss-meta-magic': 'abracadabra',
    },
  });

  it('case 1: object PUT', () => {
    const req = base({});
    const { stringToSign } = signV1(req, creds, now);
    expect(stringToSign).toBe(
      `PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\n${date}\nx-oss-date:${date}\n` +
        'x-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson',
    );
    expect(req.headers['authorization']).toBe('OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
    expect(req.headers['x-oss-date']).toBe(date);
    expect(req.headers['date']).toBe(date);
  });

  it('case 2: ?acl', () => {
    const req = base({ acl: '' });
    expect(signV1(req, creds, now).stringToSign.endsWith('/examplebucket/nelson?acl')).toBe(true);
    expect(req.headers['authorization']).toBe('OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=');
  });

  it('case 3: bucket-level ?resourceGroup, non-resousce=null is not signed', () => {
    const req: SignableRequest = {
      method: 'GET',
      bucket: 'examplebucket',
      query: { resourceGroup: '', 'non-resousce': 'null' },
      headers: {},
    };
    const { stringToSign } = signV1(req, creds, now);
    expect(stringToSign).toBe(
      `GET\n\n\n${date}\nx-oss-date:${date}\n/examplebucket/?resourceGroup`,
    );
    expect(req.headers['authorization']).toBe('OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=');
  });

  it('case 4: ?resourceGroup&acl sorted', () => {
    const req: SignableRequest = {
      method: 'GET',
      bucket: 'examplebucket',
      key: '',
      query: { resourceGroup: '', acl: '' },
      headers: {},
    };
    expect(signV1(req, creds, now).stringToSign.endsWith('/examplebucket/?acl&resourceGroup')).toBe(
      true,
    );
    expect(req.headers['authorization']).toBe('OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=');
  });

  it('reads Date when x-oss-date is absent', () => {
    const req = base({});
    req.headers['date'] = date;
    const sts = v1StringToSign(req);
    expect(sts.split('\n')[3]).toBe(date);
    // Same input as case 1 minus the x-oss-date line.
    expect(sts).not.toContain('x-oss-date');
  });
});

describe('V1 derived multipart vectors', () => {
  const date = 'Wed, 28 Dec 2022 10:27:41 GMT';
  const now = new Date(date);
  const key = 'dir/multipart.data';
  const uploadId = '0004B9895DBBB6EC98E36';
  const res = `/examplebucket/${key}`;
  const cases: Array<{
    name: string;
    method: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    creds: Credentials;
    sts: string;
    sig: string;
  }> = [
    {
      name: 'Initiate',
      method: 'POST',
      query: { uploads: '', 'encoding-type': 'url' },
      headers: { 'content-type': 'application/octet-stream' },
      creds,
      sts: `POST\n\napplication/octet-stream\n${date}\nx-oss-date:${date}\n${res}?uploads`,
      sig: 'po2J5ZWibDPBTp7YU0Y1ZjpH2no=',
    },
    {
      name: 'UploadPart',
      method: 'PUT',
      query: { partNumber: '1', uploadId },
      headers: { 'content-md5': 'vOjz1IJHxdVVu1aXvyd7NQ==' },
      creds,
      sts: `PUT\nvOjz1IJHxdVVu1aXvyd7NQ==\n\n${date}\nx-oss-date:${date}\n${res}?partNumber=1&uploadId=${uploadId}`,
      sig: 'YM7Z8T7YnnfFerF66u4YlaQ2Law=',
    },
    {
      name: 'UploadPart with STS token',
      method: 'PUT',
      query: { uploadId, partNumber: '1' },
      headers: { 'content-md5': 'vOjz1IJHxdVVu1aXvyd7NQ==' },
      creds: sts,
      sts: `PUT\nvOjz1IJHxdVVu1aXvyd7NQ==\n\n${date}\nx-oss-date:${date}\nx-oss-security-token:token\n${res}?partNumber=1&uploadId=${uploadId}`,
      sig: 'FdO316vJcjz7VMafB3rPNCkHUXY=',
    },
    {
      name: 'Complete',
      method: 'POST',
      query: { uploadId, 'encoding-type': 'url' },
      headers: { 'content-type': 'application/xml' },
      creds,
      sts: `POST\n\napplication/xml\n${date}\nx-oss-date:${date}\n${res}?uploadId=${uploadId}`,
      sig: '9Gm1gkk3yLG7ZO24tMIYBPOwf0M=',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const req: SignableRequest = {
        method: c.method,
        bucket: 'examplebucket',
        key,
        query: c.query,
        headers: { ...c.headers },
      };
      const out = signV1(req, c.creds, now);
      expect(out.stringToSign).toBe(c.sts);
      expect(v1Signature(c.sts, 'sk')).toBe(c.sig);
      expect(req.headers['authorization']).toBe(`OSS ak:${c.sig}`);
    });
  }
});

// Official vectors: Go SDK v2 signer tests, TestV4AuthHeader*, bucket `bucket`, key `1234+-/123/1.txt`, region cn-hangzhou.
describe('V4 official vectors (Go SDK v2 TestV4AuthHeader*)', () => {
  const official = (): SignableRequest => ({
    method: 'PUT',
    bucket: 'bucket',
    key: '1234+-/123/1.txt',
    // Decoded names: Go's `%2Bparam1` is `+param1`, `%7C` is `|`.
    query: {
      param1: 'value1',
      '+param1': 'value3',
      '|param1': 'value4',
      '+param2': '',
      '|param2': '',
      param2: '',
    },
    headers: {
      'x-oss-head1': 'value',
      abc: 'value',
      zabc: 'value',
      xyz: 'value',
      'content-type': 'text/plain',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    },
  });

  it('TestV4AuthHeader, with the expanded canonical request and string to sign', () => {
    const req = official();
    const out = signV4(req, creds, new Date(1702743657_000), 'cn-hangzhou');
    expect(out.canonicalRequest).toBe(
      [
        'PUT',
        '/bucket/1234%2B-/123/1.txt',
        '%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2',
        'content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n' +
          'x-oss-date:20231216T162057Z\nx-oss-head1:value\n',
        '',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
    expect(out.stringToSign).toBe(
      'OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\n' +
        'f4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4',
    );
    expect(req.headers['authorization']).toBe(
      'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,' +
        'Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
    );
    expect(req.headers['x-oss-date']).toBe('20231216T162057Z');
  });

  it('accepts the oss- region prefix', () => {
    const req = official();
    signV4(req, creds, new Date(1702743657_000), 'oss-cn-hangzhou');
    expect(req.headers['authorization']).toContain(
      'Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
    );
  });

  it('TestV4AuthHeaderToken', () => {
    const req = official();
    signV4(req, sts, new Date(1702784856_000), 'cn-hangzhou');
    expect(req.headers['x-oss-security-token']).toBe('token');
    expect(req.headers['authorization']).toBe(
      'OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,' +
        'Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea',
    );
  });

  const withAdditional =
    'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,' +
    'AdditionalHeaders=abc;zabc,' +
    'Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f';

  it('TestV4AuthHeaderWithAdditionalHeaders', () => {
    const req = official();
    const out = signV4(req, creds, new Date(1702747512_000), 'cn-hangzhou', ['ZAbc', 'abc']);
    expect(sha256(out.canonicalRequest)).toBe(
      '16b86004ed2cc3406dd7a13081bd940ef6a5ad49e508da2d4fdf84e8a5dd2145',
    );
    const lines = out.canonicalRequest.split('\n');
    expect(lines[3]).toBe('abc:value');
    expect(lines.at(-2)).toBe('abc;zabc');
    expect(req.headers['authorization']).toBe(withAdditional);
  });

  it('TestV4AuthHeaderWithAdditionalHeaders, second sub-case drops x-oss-no-exist and x-oss-head1', () => {
    const req = official();
    signV4(req, creds, new Date(1702747512_000), 'cn-hangzhou', [
      'x-oss-no-exist',
      'ZAbc',
      'x-oss-head1',
      'abc',
    ]);
    expect(req.headers['authorization']).toBe(withAdditional);
  });

  it('drops additional headers absent from the request and default-signed ones', () => {
    const req = official();
    const cr = v4CanonicalRequest(req, ['missing', 'content-type', 'Content-MD5', 'XYZ']);
    expect(cr.split('\n').at(-2)).toBe('xyz');
  });
});

describe('V4 derived multipart vectors', () => {
  const now = new Date(1702743657_000);
  const key = 'dir/multipart.data';
  const uploadId = '0004B9895DBBB6EC98E36';

  it('UploadPart', () => {
    const req: SignableRequest = {
      method: 'PUT',
      bucket: 'examplebucket',
      key,
      query: { partNumber: '1', uploadId },
      headers: { 'content-md5': 'vOjz1IJHxdVVu1aXvyd7NQ==' },
    };
    const out = signV4(req, creds, now, 'oss-cn-hangzhou');
    expect(out.canonicalRequest).toBe(
      'PUT\n/examplebucket/dir/multipart.data\npartNumber=1&uploadId=0004B9895DBBB6EC98E36\n' +
        'content-md5:vOjz1IJHxdVVu1aXvyd7NQ==\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n' +
        'x-oss-date:20231216T162057Z\n\n\nUNSIGNED-PAYLOAD',
    );
    expect(sha256(out.canonicalRequest)).toBe(
      'c74bfaae90f33f0517375eb3e80d0b15f0bbf8c4a1537ca9f1774b1a8dbd27d9',
    );
    expect(req.headers['x-oss-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    // Derived outside this code (an independent Python implementation and ali-oss's chain).
    expect(req.headers['authorization']).toBe(
      'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,' +
        'Signature=7fd3051be6241120cd427adb40e766db635a1bf023f470cef493fe11959cfc6c',
    );
  });

  it('Initiate', () => {
    const req: SignableRequest = {
      method: 'POST',
      bucket: 'examplebucket',
      key,
      query: { uploads: '', 'encoding-type': 'url' },
      headers: { 'content-type': 'application/octet-stream' },
    };
    const out = signV4(req, creds, now, 'cn-hangzhou');
    expect(out.canonicalRequest.split('\n')[2]).toBe('encoding-type=url&uploads');
    expect(sha256(out.canonicalRequest)).toBe(
      '7df9b1b3e571f0278af60c5749707305b796396930bc8bfb6db46e86232758de',
    );
    expect(req.headers['authorization']).toMatch(
      /,Signature=37bf2b4806b589b446a2e9bfaee50d53cb40ff84b29ecb1e7f2f5c79b94be02c$/,
    );
  });

  it('signing key chain is stable across cache hits', () => {
    const a = v4SigningKey('sk', '20231216', 'cn-hangzhou');
    const b = v4SigningKey('sk', '20231216', 'cn-hangzhou');
    expect(a.equals(b)).toBe(true);
    expect(a.equals(v4SigningKey('sk2', '20231216', 'cn-hangzhou'))).toBe(false);
    const sts = v4StringToSign('x', '20231216T162057Z', v4Scope('20231216', 'cn-hangzhou'));
    expect(v4Signature(a, sts)).toMatch(/^[0-9a-f]{64}$/);
  });
});
