/**
 * Load: 64 simultaneous uploads of 32 MiB from one process into one emulator.
 *
 * - every object is byte-identical (MD5 of a hashing tap on the source = MD5 of a GET);
 * - peak RSS stays within UPLOADS x the documented bound plus a fixed overhead. The bound per
 *   upload is (concurrency + 1) x partSize + the writable highWaterMark; this suite uses
 *   partSize 1 MiB and concurrency 2 (3 MiB + 64 KiB each), small enough that the bound means
 *   something for 32 MiB objects (8 MiB parts at concurrency 4 would allow 40 MiB, more than the
 *   object). The emulator runs in this process too, so it stores to a temp dir (disk mode) and
 *   objects are deleted once checked: RSS measures the client;
 * - no file descriptor, process listener or active handle is left behind (counted before and
 *   after, once the client is closed).
 *
 * OSS_LOAD_UPLOADS and OSS_LOAD_BYTES size it down (e.g. for a slow CI machine).
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generatedSource,
  hashingTap,
  md5OfObject,
  type OssFixture,
  startOss,
} from './helpers/oss.ts';

const MiB = 1024 * 1024;
const UPLOADS = Number(process.env.OSS_LOAD_UPLOADS ?? 64);
const BYTES = Number(process.env.OSS_LOAD_BYTES ?? 32 * MiB);
const PART_SIZE = 1 * MiB;
const CONCURRENCY = 2;
/** Node 24's default writable highWaterMark (checked on every stream below). */
const HIGH_WATER_MARK = 64 * 1024;
const BOUND_PER_UPLOAD = (CONCURRENCY + 1) * PART_SIZE + HIGH_WATER_MARK;
/**
 * Fixed overhead above the RSS measured just before the uploads start: sockets and their
 * buffers on both ends (the emulator is in-process), the sources' and taps' chunks, V8 and
 * allocator slack between collections.
 */
const FIXED_OVERHEAD = 256 * MiB;

let dir: string;
let oss: OssFixture;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oss-load-'));
  oss = await startOss({ dir });
});
afterAll(async () => {
  await oss?.close();
  await rm(dir, { recursive: true, force: true });
});

const fds = () => readdirSync('/proc/self/fd').length;
const processListeners = () =>
  process.eventNames().reduce((n, name) => n + process.listenerCount(name), 0);
const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length;
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe(`load: ${UPLOADS} simultaneous uploads of ${BYTES / MiB} MiB`, () => {
  it('all byte-identical, RSS within the bound, nothing leaked', { timeout: 900_000 }, async () => {
    const client = oss.clientWith({});
    // Warm up: the hash worker pool and the module graph exist before the baseline.
    await client.upload('load/warm-up', generatedSource(3 * PART_SIZE), {
      partSize: PART_SIZE,
      concurrency: CONCURRENCY,
    });
    await client.deleteObject('load/warm-up');
    client.close();
    await settle();
    globalThis.gc?.();
    const before = { fds: fds(), listeners: processListeners(), handles: handles() };
    const baseRss = process.memoryUsage.rss();

    const load = oss.clientWith({});
    let peakRss = baseRss;
    let peakFds = before.fds;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      peakFds = Math.max(peakFds, fds());
    }, 25);
    const started = Date.now();
    const uploads = Array.from({ length: UPLOADS }, async (_, i) => {
      const key = `load/${i}`;
      const tap = hashingTap();
      const stream = load.createUploadStream(key, {
        partSize: PART_SIZE,
        concurrency: CONCURRENCY,
      });
      expect(stream.writableHighWaterMark).toBe(HIGH_WATER_MARK);
      await pipeline(generatedSource(BYTES, 64 * 1024, i + 1), tap, stream);
      return { key, md5: tap.digest(), size: tap.bytes(), stream };
    });
    const done = await Promise.all(uploads);
    const uploadMs = Date.now() - started;
    clearInterval(sampler);
    const afterUploadsFds = fds();

    // Every object equals its source; checked a few at a time, then deleted.
    for (let i = 0; i < done.length; i += 8) {
      await Promise.all(
        done.slice(i, i + 8).map(async ({ key, md5, size, stream }) => {
          expect(stream.result?.size).toBe(BYTES);
          expect(stream.result?.partCount).toBe(Math.max(1, Math.ceil(BYTES / PART_SIZE)));
          expect.soft(stream.maxBufferedBytes).toBeLessThanOrEqual(BOUND_PER_UPLOAD);
          expect(await md5OfObject(load, key)).toEqual({ md5, size });
          await load.deleteObject(key);
        }),
      );
    }
    expect(oss.emulator.listUploads('test-bucket')).toEqual([]);
    expect(oss.emulator.stats.maxInFlight.UploadPart).toBeLessThanOrEqual(UPLOADS * CONCURRENCY);

    load.close();
    await settle();
    const after = { fds: fds(), listeners: processListeners(), handles: handles() };
    const figures = {
      uploads: UPLOADS,
      bytesEach: BYTES,
      partSize: PART_SIZE,
      concurrency: CONCURRENCY,
      uploadSeconds: uploadMs / 1000,
      throughputMiBs: (UPLOADS * BYTES) / MiB / (uploadMs / 1000),
      baseRssMiB: baseRss / MiB,
      peakRssMiB: peakRss / MiB,
      peakAboveBaseMiB: (peakRss - baseRss) / MiB,
      boundMiB: (UPLOADS * BOUND_PER_UPLOAD + FIXED_OVERHEAD) / MiB,
      fds: {
        before: before.fds,
        peak: peakFds,
        afterUploads: afterUploadsFds,
        afterClose: after.fds,
      },
      listeners: { before: before.listeners, after: after.listeners },
      handles: { before: before.handles, after: after.handles },
      maxInFlightUploadPart: oss.emulator.stats.maxInFlight.UploadPart,
    };
    console.log('load figures', JSON.stringify(figures, null, 2));

    expect(peakRss - baseRss).toBeLessThanOrEqual(UPLOADS * BOUND_PER_UPLOAD + FIXED_OVERHEAD);
    expect(after.fds).toBeLessThanOrEqual(before.fds);
    expect(after.listeners).toBe(before.listeners);
    expect(after.handles).toBeLessThanOrEqual(before.handles);
  });
});
