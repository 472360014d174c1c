import { describe, expect, it } from 'vitest';
import {
  capacityOf,
  MAX_PART_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
  partSizeFor,
  partSizeForLength,
} from '../lib/parts/part-size.ts';

const MiB = 1024 ** 2;
const TiB = 1024 ** 4;

describe('part-size schedule', () => {
  it('uses max(partSize, ceil(length / 10000)) when the length is known', () => {
    expect(partSizeForLength(8 * MiB, 100e6)).toBe(8 * MiB);
    expect(partSizeForLength(8 * MiB, 10_000 * 8 * MiB)).toBe(8 * MiB);
    expect(partSizeForLength(8 * MiB, 10_000 * 8 * MiB + 1)).toBe(8 * MiB + 1);
    expect(partSizeForLength(MIN_PART_SIZE, 5 * TiB)).toBe(Math.ceil((5 * TiB) / 10_000));
  });

  it('keeps exactly partSize for a 100 MB stream of unknown length', () => {
    const parts = Math.ceil(100e6 / (8 * MiB));
    for (let n = 1; n <= parts; n++) expect(partSizeFor(n, 8 * MiB)).toBe(8 * MiB);
    expect(capacityOf(parts, 8 * MiB)).toBeGreaterThanOrEqual(100e6);
  });

  it('uses partSize for the first 1000 parts, then doubles per 1000 parts', () => {
    expect(partSizeFor(1000, 8 * MiB)).toBe(8 * MiB);
    expect(partSizeFor(1001, 8 * MiB)).toBe(16 * MiB);
    expect(partSizeFor(2001, 8 * MiB)).toBe(32 * MiB);
    expect(partSizeFor(1001, MIN_PART_SIZE)).toBe(16 * MiB);
  });

  it.each([MIN_PART_SIZE, 1 * MiB, 8 * MiB, 64 * MiB, MAX_PART_SIZE])(
    'fits a 5 TiB stream of unknown length in 10000 parts of at most 5 GiB (partSize %i)',
    (partSize) => {
      expect(capacityOf(MAX_PARTS, partSize)).toBeGreaterThanOrEqual(5 * TiB);
      for (let n = 1; n <= MAX_PARTS; n += 999) {
        expect(partSizeFor(n, partSize)).toBeLessThanOrEqual(MAX_PART_SIZE);
        expect(partSizeFor(n, partSize)).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      }
      expect(partSizeFor(MAX_PARTS, partSize)).toBeLessThanOrEqual(MAX_PART_SIZE);
    },
  );

  it('never shrinks from one part to the next', () => {
    for (let n = 2; n <= MAX_PARTS; n++) {
      expect(partSizeFor(n, MIN_PART_SIZE)).toBeGreaterThanOrEqual(
        partSizeFor(n - 1, MIN_PART_SIZE),
      );
    }
  });
});
