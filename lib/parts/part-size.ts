import { MAX_PART_SIZE, MAX_PARTS } from '../limits.ts';

// The service limits live in lib/limits.ts; re-exported for the modules that import them here.
export { MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../limits.ts';

/** Parts per tier of the growth schedule for streams of unknown length. */
export const PARTS_PER_TIER = 1000;
/** Smallest size a grown tier starts from, whatever partSize is (see partSizeFor). */
export const GROWTH_FLOOR = 8 * 1024 * 1024;

/**
 * With the length known up front: the requested size, raised just enough that the whole
 * object fits in 10000 parts.
 */
export function partSizeForLength(partSize: number, contentLength: number): number {
  return Math.max(partSize, Math.ceil(contentLength / MAX_PARTS));
}

/**
 * Size of part `partNumber` (1-based) of a stream of unknown length.
 *
 * Parts 1-1000 use exactly `partSize`. Each later block of 1000 parts doubles:
 * tier t (t ≥ 1) uses max(partSize, 8 MiB) × 2^t, capped at 5 GiB. With the smallest
 * allowed partSize (100 KiB) the 10000 parts still hold about 7.8 TiB, so a 5 TiB stream
 * always fits; a 100 MB stream never leaves the first tier.
 */
export function partSizeFor(partNumber: number, partSize: number): number {
  const tier = Math.floor((partNumber - 1) / PARTS_PER_TIER);
  if (tier === 0) return partSize;
  return Math.min(MAX_PART_SIZE, Math.max(partSize, GROWTH_FLOOR) * 2 ** tier);
}

/** Bytes that parts 1..count hold under the unknown-length schedule. */
export function capacityOf(count: number, partSize: number): number {
  let total = 0;
  for (let tier = 0; tier * PARTS_PER_TIER < count; tier++) {
    const parts = Math.min(PARTS_PER_TIER, count - tier * PARTS_PER_TIER);
    total += parts * partSizeFor(tier * PARTS_PER_TIER + 1, partSize);
  }
  return total;
}
