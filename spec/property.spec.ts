/**
 * Property-based: random data, write chunkings (1 byte to several MiB), part sizes
 * (100 KiB to 1 MiB), concurrency (1-16) and fault schedules (a few 500s, 503s and resets on
 * random parts). Always: the object equals the input, the part events number 1..N without a gap
 * or a repeat, and no more than `concurrency` UploadParts were ever in flight on the server.
 *
 * The seed is printed; rerun a failure with FC_SEED=<seed> (and FC_PATH=<path> to replay the
 * shrunk case). OSS_PROPERTY_RUNS sets the number of runs (default 60).
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../lib/checksum/crc64.ts';
import type { FaultRule } from '../lib/testing/index.ts';
import type { PartEvent } from '../lib/upload-stream.ts';
import { md5, type OssFixture, patternBytes, startOss } from './helpers/oss.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const RUNS = Number(process.env.OSS_PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const PATH = process.env.FC_PATH;

let oss: OssFixture;
beforeAll(async () => {
  oss = await startOss();
});
afterAll(() => oss.close());

/** Chunks of the data, cycling through the planned sizes. */
function chunkedBy(data: Buffer, plan: number[]): Readable {
  let offset = 0;
  let i = 0;
  return new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      // Several small chunks per read, so 1-byte plans do not cost one read() each.
      let pushed = 0;
      while (offset < data.length && pushed < 64 * KiB) {
        const n = Math.min(plan[i++ % plan.length]!, data.length - offset);
        // Copies: the stream must not depend on the caller keeping a chunk unchanged.
        const ok = this.push(Buffer.from(data.subarray(offset, offset + n)));
        offset += n;
        pushed += n;
        if (!ok) break;
      }
    },
  });
}

const chunkSize = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }) },
  { weight: 3, arbitrary: fc.integer({ min: 17, max: 64 * KiB }) },
  { weight: 2, arbitrary: fc.integer({ min: 64 * KiB + 1, max: 4 * MiB }) },
);

const faultKind = fc.constantFrom<'500' | '503' | 'reset'>('500', '503', 'reset');

const scenario = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    partSize: fc.integer({ min: 100 * KiB, max: 1 * MiB }),
    // Parts in the object: 0 (empty) to 12; the tail part is of any length.
    fullParts: fc.integer({ min: 0, max: 12 }),
    tailFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    concurrency: fc.integer({ min: 1, max: 16 }),
    plan: fc.array(chunkSize, { minLength: 1, maxLength: 8 }),
    faults: fc.array(fc.record({ part: fc.integer({ min: 1, max: 13 }), kind: faultKind }), {
      maxLength: 4,
    }),
  })
  .map((s) => {
    const tail = Math.floor(s.tailFraction * s.partSize);
    // Tiny writes over many MiB would take long: keep 1-16 byte plans to small objects.
    const smallest = Math.min(...s.plan);
    const parts = smallest <= 16 ? Math.min(s.fullParts, 2) : s.fullParts;
    return { ...s, size: parts * s.partSize + tail };
  });

describe('property: any chunking, part size, concurrency and fault schedule', () => {
  it('uploads byte-identical objects with contiguous parts within the concurrency limit', {
    timeout: 600_000,
  }, async () => {
    console.log(`property seed: FC_SEED=${SEED} (runs: ${RUNS})`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const key = `property/${SEED}/${run++}`;
        const data = patternBytes(s.size, s.seed);
        const partCount = s.size <= s.partSize ? 1 : Math.ceil(s.size / s.partSize);
        const { emulator, client } = oss;
        emulator.faults.clear();
        emulator.stats.reset();
        // At most two faults per part: the default three attempts always get through.
        const perPart = new Map<number, number>();
        for (const f of s.faults) {
          // Folded onto the parts that exist (a single part is the PutObject).
          const part = ((f.part - 1) % partCount) + 1;
          const count = perPart.get(part) ?? 0;
          if (count >= 2) continue;
          perPart.set(part, count + 1);
          const scope =
            partCount === 1
              ? { operation: 'PutObject' as const }
              : { operation: 'UploadPart' as const, partNumber: part };
          const action =
            f.kind === 'reset'
              ? { kind: 'reset' as const }
              : f.kind === '500'
                ? { kind: 'error' as const, status: 500, code: 'InternalError' }
                : { kind: 'error' as const, status: 503, code: 'ServiceUnavailable' };
          emulator.faults.add({ ...scope, ...action } as FaultRule);
        }
        // Every part lingers a little on the server, so requests overlap and the limit is tested.
        emulator.faults.add({
          operation: 'UploadPart',
          kind: 'stall',
          ms: 15,
          times: Number.POSITIVE_INFINITY,
        });

        const stream = client.createUploadStream(key, {
          partSize: s.partSize,
          concurrency: s.concurrency,
        });
        const parts: PartEvent[] = [];
        stream.on('part', (p: PartEvent) => parts.push(p));
        await pipeline(chunkedBy(data, s.plan), stream);

        const back = await client.getObjectBuffer(key);
        expect(back.length).toBe(data.length);
        expect(md5(back)).toBe(md5(data));
        expect(stream.result?.crc64).toBe(crc64(data).toString());
        expect(stream.result?.partCount).toBe(partCount);
        if (partCount > 1) {
          const numbers = parts.map((p) => p.partNumber).sort((a, b) => a - b);
          expect(numbers).toEqual(Array.from({ length: partCount }, (_, i) => i + 1));
          expect(parts.reduce((n, p) => n + p.size, 0)).toBe(data.length);
        } else {
          expect(emulator.stats.requests.InitiateMultipartUpload).toBe(0);
        }
        expect(emulator.stats.maxInFlight.UploadPart).toBeLessThanOrEqual(s.concurrency);
        // Each scheduled fault was hit once and cost exactly one more request.
        const scheduled = [...perPart.values()].reduce((a, b) => a + b, 0);
        const sent =
          partCount === 1 ? emulator.stats.requests.PutObject : emulator.stats.requests.UploadPart;
        expect(sent).toBe(partCount + scheduled);
        expect(emulator.listUploads('test-bucket')).toEqual([]);
        await client.deleteObject(key);
      }),
      { numRuns: RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}) },
    );
  });
});
