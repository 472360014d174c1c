import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64ToMd5Hex,
  etagToMd5Hex,
  md5Base64,
  md5Hex,
  md5HexToBase64,
} from '../lib/checksum/md5.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('md5Base64 / md5Hex (Content-MD5 and ETag rules)', () => {
  it('empty body', () => {
    expect(md5Base64(new Uint8Array())).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
    expect(md5Hex(new Uint8Array())).toBe('D41D8CD98F00B204E9800998ECF8427E');
  });

  it('"upload part 1"', () => {
    expect(md5Base64(ascii('upload part 1'))).toBe('vOjz1IJHxdVVu1aXvyd7NQ==');
    expect(md5Hex(ascii('upload part 1'))).toBe('BCE8F3D48247C5D555BB5697BF277B35');
    expect(md5Hex('upload part 1')).toBe('BCE8F3D48247C5D555BB5697BF277B35');
  });

  it('hashes only the view of a subarray', () => {
    const backing = ascii('xxupload part 1yy');
    expect(md5Hex(backing.subarray(2, 15))).toBe('BCE8F3D48247C5D555BB5697BF277B35');
  });
});

describe('worked example of docs/checksums.md', () => {
  const parts = [
    new Uint8Array(102400).fill(0x61),
    new Uint8Array(102400).fill(0x62),
    ascii('hello'),
  ];
  const hex = [
    '302D3A0C8E319EAA95B059B346DE1D1D',
    'ACF9C99FA8B2636962137E298B400616',
    '5D41402ABC4B2A76B9719D911017C592',
  ];
  const b64 = ['MC06DI4xnqqVsFmzRt4dHQ==', 'rPnJn6iyY2liE34pi0AGFg==', 'XUFAKrxLKna5cZ2REBfFkg=='];

  it('per-part MD5 hex and Content-MD5', () => {
    expect(parts.map(md5Hex)).toEqual(hex);
    expect(parts.map(md5Base64)).toEqual(b64);
    expect(hex.map(md5HexToBase64)).toEqual(b64);
    expect(b64.map(base64ToMd5Hex)).toEqual(hex);
  });

  it('object MD5 and the S3-style multipart ETag', () => {
    expect(md5Hex(Buffer.concat(parts))).toBe('1D03032D37D4D2D1D727F3F7947DF3BB');
    const digests = Buffer.concat(hex.map((h) => Buffer.from(h, 'hex')));
    expect(`"${md5Hex(digests)}-${parts.length}"`).toBe('"3E6256E12997E3BE4917D5844DE2C38C-3"');
  });
});

describe('etagToMd5Hex', () => {
  it('strips quotes and uppercases', () => {
    expect(etagToMd5Hex('"BCE8F3D48247C5D555BB5697BF277B35"')).toBe(
      'BCE8F3D48247C5D555BB5697BF277B35',
    );
    expect(etagToMd5Hex('"bce8f3d48247c5d555bb5697bf277b35"')).toBe(
      'BCE8F3D48247C5D555BB5697BF277B35',
    );
    expect(etagToMd5Hex('bce8f3d48247c5d555bb5697bf277b35')).toBe(
      'BCE8F3D48247C5D555BB5697BF277B35',
    );
  });

  it.each([
    '',
    '""',
    '"',
    '"3E6256E12997E3BE4917D5844DE2C38C-3"',
    '"BCE8F3D48247C5D555BB5697BF277B3"',
    '"BCE8F3D48247C5D555BB5697BF277B355"',
    '"BCE8F3D48247C5D555BB5697BF277B3G"',
    '"BCE8F3D48247C5D555BB5697BF277B35',
    'W/"BCE8F3D48247C5D555BB5697BF277B35"',
    ' "BCE8F3D48247C5D555BB5697BF277B35"',
  ])('returns undefined for %j', (etag) => {
    expect(etagToMd5Hex(etag)).toBeUndefined();
  });
});

describe('hex ⇄ base64', () => {
  it('round-trips any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (digest) => {
        const hex = Buffer.from(digest).toString('hex').toUpperCase();
        const b64 = Buffer.from(digest).toString('base64');
        expect(md5HexToBase64(hex)).toBe(b64);
        expect(md5HexToBase64(hex.toLowerCase())).toBe(b64);
        expect(base64ToMd5Hex(b64)).toBe(hex);
        expect(etagToMd5Hex(`"${hex.toLowerCase()}"`)).toBe(hex);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with md5Hex/md5Base64 on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ size: 'max', maxLength: 2000 }), (data) => {
        expect(md5HexToBase64(md5Hex(data))).toBe(md5Base64(data));
        expect(base64ToMd5Hex(md5Base64(data))).toBe(md5Hex(data));
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    '',
    'BCE8F3D48247C5D555BB5697BF277B3',
    'ZZE8F3D48247C5D555BB5697BF277B35',
    '"BCE8F3D48247C5D555BB5697BF277B35"',
  ])('md5HexToBase64 throws on %j', (hex) => {
    expect(() => md5HexToBase64(hex)).toThrow(RangeError);
  });

  it.each([
    '',
    'vOjz1IJHxdVVu1aXvyd7NQ',
    'vOjz1IJHxdVVu1aXvyd7NQ=',
    'vOjz1IJHxdVVu1aXvyd7NR==',
    'vOjz1IJHxdVVu1aXvyd7NQ==\n',
    'vOjz1IJHxdVVu1aXvyd7NQAA',
    'vOjz1IJHxdVVu1aXvyd7-Q==',
    'BCE8F3D48247C5D555BB5697BF277B35',
  ])('base64ToMd5Hex returns undefined for %j', (b64) => {
    expect(base64ToMd5Hex(b64)).toBeUndefined();
  });
});
