/** The pieces below the writer, without HTTP: the part buffer, its segment pool and the ledger. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc64 } from '../lib/checksum/crc64.ts';
import { inlineHashEngine } from '../lib/checksum/part-hasher.ts';
import { PartLedger } from '../lib/parts/ledger.ts';
import { PartBuffer, SEGMENT_SIZE, SegmentPool } from '../lib/parts/part-buffer.ts';

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest();

describe('PartBuffer', () => {
  it('copies writes into segments, fills to capacity, and seals with the digest of its bytes', async () => {
    const capacity = 2 * SEGMENT_SIZE + 123;
    const data = randomBytes(capacity + 50);
    const part = new PartBuffer(1, capacity, inlineHashEngine.begin(), new SegmentPool());
    let offset = 0;
    while (!part.full) offset += part.append(data.subarray(offset, offset + 7777), 0);
    expect(part.size).toBe(capacity);
    expect(offset).toBe(capacity);
    expect(part.append(data, capacity)).toBe(0);
    expect(part.allocated).toBe(capacity);
    const sealed = await part.seal();
    expect(sealed.body.map((s) => s.length)).toEqual([SEGMENT_SIZE, SEGMENT_SIZE, 123]);
    expect(Buffer.concat(sealed.body).equals(data.subarray(0, capacity))).toBe(true);
    expect(sealed.md5.equals(md5(data.subarray(0, capacity)))).toBe(true);
    expect(sealed.crc64).toBe(crc64(data.subarray(0, capacity)));
  });

  it('does not keep a reference to the caller’s buffer (a 1-byte write pins nothing big)', async () => {
    const big = Buffer.alloc(1024, 1);
    const part = new PartBuffer(1, 10, inlineHashEngine.begin(), new SegmentPool());
    part.append(big.subarray(0, 1), 0);
    big.fill(2);
    const sealed = await part.seal();
    expect([...Buffer.concat(sealed.body)]).toEqual([1]);
    expect(sealed.body[0]?.buffer).not.toBe(big.buffer);
  });
});

describe('SegmentPool', () => {
  it('reuses full-size segments it was given back, and trims to a size', () => {
    const pool = new SegmentPool();
    const a = pool.acquire(SEGMENT_SIZE);
    const b = pool.acquire(SEGMENT_SIZE);
    const small = pool.acquire(100);
    pool.release([a, b, small]);
    expect(pool.size).toBe(2 * SEGMENT_SIZE);
    const again = pool.acquire(SEGMENT_SIZE);
    expect([a.buffer, b.buffer]).toContain(again.buffer);
    expect(pool.size).toBe(SEGMENT_SIZE);
    pool.release([again]);
    pool.trimTo(SEGMENT_SIZE + 1);
    expect(pool.size).toBe(SEGMENT_SIZE);
    pool.trimTo(0);
    expect(pool.size).toBe(0);
  });
});

describe('PartLedger', () => {
  const record = (ledger: PartLedger, n: number, data: Buffer) =>
    ledger.record({
      partNumber: n,
      size: data.length,
      md5: md5(data).toString('hex').toUpperCase(),
      crc64: crc64(data),
    });

  it('completes only with parts 1..n, each acknowledged; the object CRC folds the parts', () => {
    const parts = [randomBytes(1000), randomBytes(2000), randomBytes(5)];
    const ledger = new PartLedger();
    for (const [i, data] of parts.entries()) record(ledger, i + 1, data);
    expect(() => ledger.completeList()).toThrow(/never acknowledged/);
    for (const i of parts.keys()) ledger.acknowledge(i + 1, `"E${i}"`);
    expect(ledger.completeList().map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(ledger.size).toBe(3005);
    expect(ledger.objectCrc64()).toBe(crc64(Buffer.concat(parts)));
  });

  it('a missing part number fails the check instead of completing a short object', () => {
    const ledger = new PartLedger();
    record(ledger, 1, Buffer.from('a'));
    record(ledger, 3, Buffer.from('c'));
    ledger.acknowledge(1, '"A"');
    ledger.acknowledge(3, '"C"');
    expect(() => ledger.completeList()).toThrow(/expected part 2, found 3/);
    expect(() => ledger.acknowledge(9, '"X"')).toThrow(/never sent/);
  });
});
