/** The client-wide memory budget over real HTTP: many uploads, one limit, all finish. */
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { BUCKET, generatedSource, hashingTap, md5OfObject, useOss } from './helpers/oss.ts';

const PART = 102_400;
const oss = useOss();

describe('client memoryLimit', () => {
  it('12 uploads share 4 parts of budget: none holds more, all arrive byte-identical', async () => {
    const client = oss.clientWith({ memoryLimit: 4 * PART });
    let peak = 0;
    let waited = false;
    const uploads = Array.from({ length: 12 }, async (_, i) => {
      const key = `budget/${i}`;
      const stream = client.createUploadStream(key, { partSize: PART, concurrency: 3 });
      stream.on('progress', () => {
        const stats = client.stats();
        peak = Math.max(peak, stats.bytesHeld);
        if (stats.bytesWaiting > 0) waited = true;
      });
      const tap = hashingTap();
      const size = (5 + i) * PART + i;
      await pipeline(generatedSource(size, 16_384, i), tap, stream);
      expect(await md5OfObject(client, key)).toEqual({ md5: tap.digest(), size });
    });
    await Promise.all(uploads);
    const stats = client.stats();
    expect(peak).toBeLessThanOrEqual(4 * PART);
    expect(stats.peakBytesHeld).toBeLessThanOrEqual(4 * PART);
    expect(waited).toBe(true);
    expect(stats).toMatchObject({ uploadsInFlight: 0, bytesHeld: 0, bytesWaiting: 0 });
    expect(oss.emulator.listUploads(BUCKET).filter((u) => u.key.startsWith('budget/'))).toEqual([]);
    await client.close();
  });

  it('a part larger than the whole limit is refused up front, naming the option', () => {
    const client = oss.clientWith({ memoryLimit: 4 * PART });
    expect(() => client.createUploadStream('budget/too-big', { partSize: 5 * PART })).toThrow(
      OssOptionError,
    );
  });
});
