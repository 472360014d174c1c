/**
 * The emulator verifies signatures over the bytes it received, with its own implementation
 * (lib/testing/signature), not the client's. Published vectors pin the algorithm; raw requests
 * pin the byte handling: a header signed as UTF-8 but sent as latin1 is refused, one sent and
 * signed as UTF-8 passes.
 */
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import { v1Signature, v1StringToSign } from '../lib/testing/signature/v1.ts';
import {
  effectiveAdditionalHeaders,
  v4CanonicalRequest,
  v4Scope,
  v4Signature,
  v4StringToSign,
} from '../lib/testing/signature/v4.ts';
import type { WireRequest } from '../lib/testing/signature/wire-request.ts';
import { BUCKET, useOss } from './helpers/oss.ts';
import { expectStatus, ossRequest } from './helpers/raw-oss.ts';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
/** A header value whose wire bytes are the UTF-8 encoding of `text` (Node sends strings as latin1). */
const utf8OnTheWire = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('published signature vectors (official Go SDK tests)', () => {
  const vectorRequest = (date: string): WireRequest => ({
    method: 'PUT',
    bucket: 'bucket',
    keyBytes: Buffer.from('1234+-/123/1.txt'),
    query: [
      ['param1', 'value1'],
      ['+param1', 'value3'],
      ['|param1', 'value4'],
      ['+param2', ''],
      ['|param2', ''],
      ['param2', ''],
    ].map(([name, value]) => ({ name: latin1(name!), value: latin1(value!) })),
    headers: {
      'x-oss-head1': 'value',
      abc: 'value',
      zabc: 'value',
      xyz: 'value',
      'content-type': 'text/plain',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-date': date,
    },
  });
  const scope = { day: '20231216', region: 'cn-hangzhou', product: 'oss' };

  it('V4 header signature', () => {
    const req = vectorRequest('20231216T162057Z');
    const canonical = v4CanonicalRequest(req, effectiveAdditionalHeaders(req, []));
    const toSign = v4StringToSign(
      canonical,
      '20231216T162057Z',
      v4Scope('20231216', 'cn-hangzhou', 'oss'),
    );
    expect(v4Signature('sk', scope, toSign)).toBe(
      'e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
    );
  });

  it('V4 header signature with additional headers (unknown and default-signed names dropped)', () => {
    const req = vectorRequest('20231216T172512Z');
    const additional = effectiveAdditionalHeaders(req, ['zabc', 'abc', 'x-oss-head1', 'nope']);
    expect(additional).toEqual(['abc', 'zabc']);
    const toSign = v4StringToSign(
      v4CanonicalRequest(req, additional),
      '20231216T172512Z',
      v4Scope('20231216', 'cn-hangzhou', 'oss'),
    );
    expect(v4Signature('sk', scope, toSign)).toBe(
      '4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f',
    );
  });

  it('V1 UploadPart signature', () => {
    const date = 'Wed, 28 Dec 2022 10:27:41 GMT';
    const req: WireRequest = {
      method: 'PUT',
      bucket: 'examplebucket',
      keyBytes: Buffer.from('dir/multipart.data'),
      query: [
        { name: latin1('partNumber'), value: latin1('1') },
        { name: latin1('uploadId'), value: latin1('0004B9895DBBB6EC98E36') },
      ],
      headers: { 'content-md5': 'vOjz1IJHxdVVu1aXvyd7NQ==', date, 'x-oss-date': date },
    };
    expect(v1Signature(v1StringToSign(req), 'sk')).toBe('YM7Z8T7YnnfFerF66u4YlaQ2Law=');
  });
});

describe('verification over the received bytes', () => {
  let emu: Emulator;
  let n = 0;
  const fresh = () => `signature/${++n}`;
  beforeAll(async () => {
    emu = await startEmulator({ buckets: ['test-bucket'] });
  });
  afterAll(() => emu.close());

  for (const sign of ['v1', 'v4'] as const) {
    describe(sign, () => {
      it('a header signed as UTF-8 but sent as latin1 (café = 63 61 66 e9) is SignatureDoesNotMatch', async () => {
        const key = fresh();
        // The client's signer hashes the UTF-8 form; node:http writes the string as latin1.
        const res = await ossRequest(emu, {
          method: 'PUT',
          key,
          body: 'x',
          sign,
          headers: { 'x-oss-meta-a': 'café' },
        });
        expect(res.status).toBe(403);
        expect(res.error?.['Code']).toBe('SignatureDoesNotMatch');
        expect(emu.headObject('test-bucket', key)).toBeUndefined();
      });

      it('non-ASCII metadata sent and signed as UTF-8 is accepted and returned byte for byte', async () => {
        for (const value of ['café', '阿达', 'voilà']) {
          const key = fresh();
          const res = await ossRequest(emu, {
            method: 'PUT',
            key,
            body: 'x',
            sign,
            // Sign the UTF-8 text, send its UTF-8 bytes.
            signAs: { headers: { 'content-length': '1', 'x-oss-meta-a': value } },
            headers: { 'x-oss-meta-a': utf8OnTheWire(value) },
          });
          expectStatus(res, 200);
          const stored = emu.headObject('test-bucket', key)!.headers['x-oss-meta-a']!;
          expect(Buffer.from(stored, 'latin1').toString('utf8')).toBe(value);
          const head = expectStatus(await ossRequest(emu, { method: 'HEAD', key, sign }), 200);
          const echoed = String(head.headers['x-oss-meta-a']);
          expect(Buffer.from(echoed, 'latin1')).toEqual(Buffer.from(value, 'utf8'));
        }
      });

      it('a key starting with U+FEFF verifies and keeps its BOM', async () => {
        const key = `\uFEFF${fresh()}`;
        expectStatus(await ossRequest(emu, { method: 'PUT', key, body: 'bom', sign }), 200);
        expect(emu.headObject('test-bucket', key)?.size).toBe(3);
        expect(emu.headObject('test-bucket', key.slice(1))).toBeUndefined();
        const got = expectStatus(await ossRequest(emu, { method: 'GET', key, sign }), 200);
        expect(got.body.toString()).toBe('bom');
      });

      it('a non-ASCII sub-resource value is signed over its decoded bytes', async () => {
        const key = fresh();
        expectStatus(await ossRequest(emu, { method: 'PUT', key, body: 'x', sign }), 200);
        const disposition = 'attachment; filename="résumé.txt"';
        const res = await ossRequest(emu, {
          method: 'GET',
          key,
          sign,
          query: { 'response-content-disposition': disposition },
        });
        expectStatus(res, 200);
        const tampered = await ossRequest(emu, {
          method: 'GET',
          key,
          sign,
          query: { 'response-content-disposition': disposition },
          signAs: {
            query: { 'response-content-disposition': 'attachment; filename="resume.txt"' },
          },
        });
        expect(tampered.error?.['Code']).toBe('SignatureDoesNotMatch');
      });
    });
  }

  it('SignatureDoesNotMatch (V1) shows the string to sign and its exact received bytes', async () => {
    const res = await ossRequest(emu, {
      method: 'PUT',
      key: fresh(),
      body: 'x',
      sign: 'v1',
      headers: { 'x-oss-meta-a': 'café' },
    });
    const bytes = res.error?.['StringToSignBytes'] ?? '';
    // The server's view holds the single byte E9 the client sent, not C3 A9.
    expect(bytes).toContain('3A 63 61 66 E9 0A');
    expect(bytes).not.toContain('C3 A9');
  });
});

describe('our client agrees with the emulator on non-ASCII metadata', () => {
  const oss = useOss();
  for (const signatureVersion of ['v1', 'v4'] as const) {
    it(`${signatureVersion}: sends UTF-8, signs it, reads it back`, async () => {
      const client = oss.clientWith({ signatureVersion });
      const key = `signature/client/${signatureVersion}/\uFEFFbom`;
      const meta = { a: 'café', b: '阿达', c: 'voilà' };
      await pipeline([Buffer.from('x')], client.createUploadStream(key, { meta }));
      const stored = oss.emulator.headObject(BUCKET, key)!.headers;
      for (const [name, value] of Object.entries(meta)) {
        expect(Buffer.from(stored[`x-oss-meta-${name}`]!, 'latin1').toString('utf8')).toBe(value);
      }
      expect((await client.headObject(key)).meta).toEqual(meta);
    });
  }
});
