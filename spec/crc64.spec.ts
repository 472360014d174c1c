import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Crc64,
  crc64,
  crc64Combine,
  crc64CombineAll,
  crc64Portable,
  parseCrc64,
} from '../lib/checksum/crc64.ts';

const RUNS = 200;
const MASK = (1n << 64n) - 1n;
const POLY_REFLECTED = 0xc96c5795d7870f42n;
/** Normal-form ECMA-182 polynomial including the implicit x^64 term. */
const POLY_NORMAL_FULL = (1n << 64n) | 0x42f0e1eba9ea3693n;

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// --- simple, slow BigInt references -----------------------------------------

/** Byte table built bit by bit from the reflected polynomial. */
const REF_TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let c = BigInt(i);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY_REFLECTED : c >> 1n;
  return c;
});

/** Bytewise table-driven CRC-64/ECMA with BigInt; `seed` = CRC of preceding data. */
function refCrc64(data: Uint8Array, seed = 0n): bigint {
  let crc = ~seed & MASK;
  for (const b of data) crc = REF_TABLE[Number((crc ^ BigInt(b)) & 0xffn)]! ^ (crc >> 8n);
  return ~crc & MASK;
}

/** The combine oracle of docs/checksums.md, O(len2): run the raw register of crc1 over len2 zero bytes, XOR crc2. */
function refCombine(crc1: bigint, crc2: bigint, len2: number): bigint {
  let reg = crc1;
  for (let i = 0; i < len2; i++) reg = REF_TABLE[Number(reg & 0xffn)]! ^ (reg >> 8n);
  return reg ^ crc2;
}

function reflect64(v: bigint): bigint {
  let r = 0n;
  for (let i = 0; i < 64; i++) if ((v >> BigInt(i)) & 1n) r |= 1n << BigInt(63 - i);
  return r;
}

/** a·b mod P in GF(2)[x] (normal bit order, degree < 64). */
function polyMulMod(a: bigint, b: bigint): bigint {
  let r = 0n;
  while (b !== 0n) {
    if (b & 1n) r ^= a;
    b >>= 1n;
    a <<= 1n;
    if (a >> 64n) a ^= POLY_NORMAL_FULL;
  }
  return r;
}

/** x^e mod P by square-and-multiply; e is a bigint so it can exceed 2^53. */
function polyXPow(e: bigint): bigint {
  let result = 1n;
  let base = 2n; // x
  while (e > 0n) {
    if (e & 1n) result = polyMulMod(result, base);
    base = polyMulMod(base, base);
    e >>= 1n;
  }
  return result;
}

/**
 * Independent algebraic combine: shifting the reflected raw register over n zero
 * bytes is multiplication by x^(8n) mod P in normal bit order.
 */
function polyCombine(crc1: bigint, crc2: bigint, len2: number): bigint {
  const shifted = polyMulMod(reflect64(crc1), polyXPow(8n * BigInt(len2)));
  return reflect64(shifted) ^ crc2;
}

const u64 = fc.bigInt({ min: 0n, max: MASK });

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Split data at the given (unsorted, possibly repeated) cut points. */
function splitAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    pieces.push(data.subarray(prev, p));
    prev = p;
  }
  pieces.push(data.subarray(prev));
  return pieces;
}

// --- tests --------------------------------------------------------------------

describe('crc64 check values', () => {
  const cases: Array<[string, bigint]> = [
    ['123456789', 11051210869376104954n],
    ['This is a test of the emergency broadcast system.', 2871916124362751090n],
    ['', 0n],
    ['upload part 1', 6571598172666981661n],
    ['upload part 2', 2060813895736234537n],
  ];
  it.each(cases)('crc64(%j) = %s', (text, expected) => {
    const data = ascii(text);
    expect(crc64(data)).toBe(expected);
    expect(crc64Portable(data)).toBe(expected);
    expect(Crc64.of(data)).toBe(expected);
    expect(new Crc64().update(data).digestDecimal()).toBe(expected.toString());
    expect(refCrc64(data)).toBe(expected);
  });

  it('hex forms of the check values match the table', () => {
    expect(crc64(ascii('123456789'))).toBe(0x995dc9bbdf1939fan);
    expect(crc64(ascii('This is a test of the emergency broadcast system.'))).toBe(
      0x27db187fc15bbc72n,
    );
  });

  it('continues from a seed ("init from first part")', () => {
    const first = crc64(ascii('123'));
    expect(crc64(ascii('456789'), first)).toBe(11051210869376104954n);
    expect(new Crc64(first).update(ascii('456789')).digest()).toBe(11051210869376104954n);
  });
});

describe('worked example of docs/checksums.md', () => {
  const parts = [
    new Uint8Array(102400).fill(0x61),
    new Uint8Array(102400).fill(0x62),
    ascii('hello'),
  ];
  const partCrcs = [12696911168479852064n, 16456226173805894103n, 11177612005948864433n];
  const objectCrc = 432834758551373198n;

  it('per-part CRCs', () => {
    expect(parts.map((p) => crc64(p))).toEqual(partCrcs);
    expect(parts.map((p) => new Crc64().update(p).digestDecimal())).toEqual(partCrcs.map(String));
  });

  it('object CRC by combine fold and directly', () => {
    const whole = concat(parts);
    expect(whole.length).toBe(204805);
    expect(crc64(whole)).toBe(objectCrc);
    expect(refCrc64(whole)).toBe(objectCrc);
    expect(crc64CombineAll(parts.map((p, i) => ({ crc: partCrcs[i]!, size: p.length })))).toBe(
      objectCrc,
    );
    let folded = 0n;
    for (const [i, p] of parts.entries()) folded = crc64Combine(folded, partCrcs[i]!, p.length);
    expect(folded).toBe(objectCrc);
    const inc = new Crc64();
    for (const p of parts) inc.update(p);
    expect(inc.digest()).toBe(objectCrc);
  });
});

describe('fast path vs BigInt reference', () => {
  it('matches on random buffers 0..5000 bytes at unaligned offsets', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ size: 'max', minLength: 0, maxLength: 5000 }),
        fc.integer({ min: 0, max: 15 }),
        u64,
        (bytes, offset, seed) => {
          // Place the bytes at `offset` inside a larger buffer; view is unaligned unless offset%8==0.
          const backing = new Uint8Array(bytes.length + 32).fill(0xa5);
          backing.set(bytes, offset);
          const view = backing.subarray(offset, offset + bytes.length);
          const expected = refCrc64(bytes);
          expect(crc64(view)).toBe(expected);
          expect(crc64Portable(view)).toBe(expected);
          expect(crc64(view, seed)).toBe(refCrc64(bytes, seed));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('matches for every length 0..200 and every byteOffset mod 8', () => {
    const backing = new Uint8Array(256);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 131 + 7) & 255;
    for (let off = 0; off < 8; off++) {
      for (let len = 0; len <= 200; len++) {
        const view = backing.subarray(off, off + len);
        expect(crc64(view)).toBe(refCrc64(view));
      }
    }
  });

  it('matches on inputs spanning several 64 KiB kernel chunks, at every offset mod 8', () => {
    const backing = new Uint8Array(300_000);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 2654435761) >>> 23;
    const len = 200_003;
    const expected = refCrc64(backing.subarray(5, 5 + len));
    expect(crc64(backing.subarray(5, 5 + len))).toBe(expected);
    expect(crc64Portable(backing.subarray(5, 5 + len))).toBe(expected);
    for (let off = 0; off < 8; off++) {
      const view = backing.subarray(off, off + len);
      expect(crc64(view)).toBe(crc64Portable(view));
    }
  });

  it('accepts Buffer and views on a shared ArrayBuffer', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog, repeatedly. '.repeat(5));
    expect(crc64(data)).toBe(refCrc64(data));
    const shared = new Uint8Array(new SharedArrayBuffer(data.length + 8));
    shared.set(data, 3);
    expect(crc64(shared.subarray(3, 3 + data.length))).toBe(refCrc64(data));
  });
});

describe('incremental and seeded updates', () => {
  it('random chunkings equal one-shot', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ size: 'max', minLength: 0, maxLength: 3000 }),
        fc.array(fc.nat(), { size: 'max', maxLength: 12 }),
        (data, cuts) => {
          const inc = new Crc64();
          for (const piece of splitAt(data, cuts)) expect(inc.update(piece)).toBe(inc);
          expect(inc.digest()).toBe(crc64(data));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('crc64(B, crc64(A)) === crc64(A‖B)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ size: 'max', maxLength: 2000 }),
        fc.uint8Array({ size: 'max', maxLength: 2000 }),
        (a, b) => {
          expect(crc64(b, crc64(a))).toBe(crc64(concat([a, b])));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('digest does not finalize the stream', () => {
    const inc = new Crc64().update(ascii('1234'));
    expect(inc.digest()).toBe(crc64(ascii('1234')));
    expect(inc.update(ascii('56789')).digest()).toBe(11051210869376104954n);
  });
});

describe('crc64Combine', () => {
  it('len2 = 0 returns crc1 unchanged (crc2 must then be the empty crc, 0)', () => {
    expect(crc64Combine(123n, 0n, 0)).toBe(123n);
    expect(crc64Combine(0n, 0n, 0)).toBe(0n);
  });

  it('equals the O(len2) oracle on random values', () => {
    fc.assert(
      fc.property(u64, u64, fc.integer({ min: 1, max: 5000 }), (c1, c2, len2) => {
        expect(crc64Combine(c1, c2, len2)).toBe(refCombine(c1, c2, len2));
      }),
      { numRuns: RUNS },
    );
  });

  it('the polynomial oracle agrees with the O(len2) oracle', () => {
    fc.assert(
      fc.property(u64, u64, fc.integer({ min: 0, max: 3000 }), (c1, c2, len2) => {
        expect(polyCombine(c1, c2, len2)).toBe(refCombine(c1, c2, len2));
      }),
      { numRuns: 50 },
    );
  });

  it('combine of pieces at random split points equals the direct crc', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ size: 'max', maxLength: 4000 }),
        fc.array(fc.nat(), { size: 'max', maxLength: 10 }),
        (data, cuts) => {
          const pieces = splitAt(data, cuts);
          const parts = pieces.map((p) => ({ crc: crc64(p), size: p.length }));
          expect(crc64CombineAll(parts)).toBe(crc64(data));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('len2 beyond 2^32 (up to 6 GiB) equals x^(8·len2) mod P computed independently', () => {
    fc.assert(
      fc.property(u64, u64, fc.integer({ min: 2 ** 32 - 16, max: 6 * 2 ** 30 }), (c1, c2, len2) => {
        expect(crc64Combine(c1, c2, len2)).toBe(polyCombine(c1, c2, len2));
      }),
      { numRuns: RUNS },
    );
  });

  it('5 GiB of zeros: doubling a real zero block agrees with the polynomial oracle', () => {
    // crcOf[k] = crc of 2^k MiB of zeros, by doubling: crc(Z‖Z) = combine(crc(Z), crc(Z), |Z|).
    const block = new Uint8Array(1 << 20);
    const crcOf: bigint[] = [crc64(block)];
    for (let k = 1; k <= 12; k++) {
      const prev = crcOf[k - 1]!;
      crcOf.push(crc64Combine(prev, prev, 2 ** (k - 1) * (1 << 20)));
    }
    // The first doublings against real hashing of zero data.
    expect(crcOf[1]).toBe(crc64(new Uint8Array(2 << 20)));
    expect(crcOf[2]).toBe(crc64(block, crc64(block, crc64(block, crc64(block)))));
    // crc(Z_n) independently: all-ones raw register times x^(8n) mod P, inverted.
    const zerosCrc = (n: number): bigint => polyCombine(MASK, 0n, n) ^ MASK;
    expect(crcOf[12]).toBe(zerosCrc(2 ** 32));
    // 5 GiB = 1 GiB followed by 4 GiB: len2 = 2^32 does not fit in 32 bits.
    const fiveGiB = 5 * 2 ** 30;
    const zeros5 = crc64Combine(crcOf[10]!, crcOf[12]!, 2 ** 32);
    expect(zeros5).toBe(zerosCrc(fiveGiB));
    // "x" followed by 5 GiB of zeros, plus an odd tail beyond 2^32.
    const x = crc64(ascii('x'));
    expect(crc64Combine(x, zeros5, fiveGiB)).toBe(polyCombine(x, zeros5, fiveGiB));
    const odd = fiveGiB + 12345;
    expect(crc64Combine(x, zerosCrc(odd), odd)).toBe(zerosCrc(odd) ^ polyCombine(x, 0n, odd));
  });

  it('rejects invalid arguments', () => {
    expect(() => crc64Combine(-1n, 0n, 1)).toThrow(RangeError);
    expect(() => crc64Combine(0n, 1n << 64n, 1)).toThrow(RangeError);
    expect(() => crc64Combine(0n, 0n, -1)).toThrow(RangeError);
    expect(() => crc64Combine(0n, 0n, 1.5)).toThrow(RangeError);
    expect(() => crc64Combine(0n, 0n, 2 ** 53)).toThrow(RangeError);
    expect(() => crc64(new Uint8Array(1), -1n)).toThrow(RangeError);
    expect(() => new Crc64(1n << 64n)).toThrow(RangeError);
  });

  it('crc64CombineAll of nothing is 0', () => {
    expect(crc64CombineAll([])).toBe(0n);
  });
});

describe('parseCrc64', () => {
  it('parses unsigned decimals below 2^64', () => {
    expect(parseCrc64('0')).toBe(0n);
    expect(parseCrc64('6571598172666981661')).toBe(6571598172666981661n);
    expect(parseCrc64('18446744073709551615')).toBe(MASK);
    expect(parseCrc64('000000000000000000000000042')).toBe(42n);
  });

  it.each([
    '',
    '-1',
    '18446744073709551616',
    '99999999999999999999',
    '1e3',
    ' 1',
    '1 ',
    '+1',
    '0x10',
    '1.0',
    '١٢',
    '123456789012345678901234567890',
  ])('rejects %j', (s) => {
    expect(parseCrc64(s)).toBeUndefined();
  });

  it('round-trips digestDecimal', () => {
    fc.assert(
      fc.property(fc.uint8Array({ size: 'max', maxLength: 100 }), (data) => {
        const inc = new Crc64().update(data);
        expect(parseCrc64(inc.digestDecimal())).toBe(inc.digest());
      }),
      { numRuns: RUNS },
    );
  });
});
