/** Finding and removing in-progress uploads: client.listUploads() and client.abortUploads(). */
import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { BUCKET, useOss } from './helpers/oss.ts';

const oss = useOss();

/** Wait (by events, not time) until the clock has moved past `ms`. */
async function pastMillisecond(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setImmediate(resolve));
}

describe('listUploads and abortUploads', () => {
  it('lists every upload matching prefix, key and initiatedBefore, with typed entries', async () => {
    const a1 = await oss.client.initiateMultipartUpload('stale/a/1');
    const a2 = await oss.client.initiateMultipartUpload('stale/a/2');
    await pastMillisecond(Date.now() + 1);
    const cut = new Date();
    await pastMillisecond(cut.getTime() + 1);
    const b1 = await oss.client.initiateMultipartUpload('stale/b/1');
    const again = await oss.client.initiateMultipartUpload('stale/a/1');

    const all = await oss.client.listUploads({ prefix: 'stale/' });
    expect(all.map((u) => u.uploadId).sort()).toEqual(
      [a1, a2, b1, again].map((u) => u.uploadId).sort(),
    );
    for (const upload of all) expect(upload.initiated).toBeInstanceOf(Date);

    const underA = await oss.client.listUploads({ prefix: 'stale/a/' });
    expect(underA).toHaveLength(3);
    const exact = await oss.client.listUploads({ key: 'stale/a/1' });
    expect(exact.map((u) => u.uploadId).sort()).toEqual([a1.uploadId, again.uploadId].sort());
    const old = await oss.client.listUploads({ prefix: 'stale/', initiatedBefore: cut });
    expect(old.map((u) => u.uploadId).sort()).toEqual([a1.uploadId, a2.uploadId].sort());

    const aborted = await oss.client.abortUploads({ prefix: 'stale/', initiatedBefore: cut });
    expect(aborted.map((u) => u.uploadId).sort()).toEqual([a1.uploadId, a2.uploadId].sort());
    const left = oss.emulator.listUploads(BUCKET).filter((u) => u.key.startsWith('stale/'));
    expect(left.map((u) => u.uploadId).sort()).toEqual([b1.uploadId, again.uploadId].sort());
    await oss.client.abortUploads({ prefix: 'stale/' });
    expect(oss.emulator.listUploads(BUCKET).filter((u) => u.key.startsWith('stale/'))).toEqual([]);
  });

  it('a key filter does not match other keys that start with it', async () => {
    await oss.client.initiateMultipartUpload('stale-key/x');
    const longer = await oss.client.initiateMultipartUpload('stale-key/x.bak');
    const aborted = await oss.client.abortUploads({ key: 'stale-key/x' });
    expect(aborted.map((u) => u.key)).toEqual(['stale-key/x']);
    expect(oss.emulator.listUploads(BUCKET).map((u) => u.uploadId)).toContain(longer.uploadId);
    await oss.client.abortUploads({ prefix: 'stale-key/' });
  });

  it.each([
    [{ initiatedBefore: 'yesterday' }, 'initiatedBefore'],
    [{ initiatedBefore: new Date(Number.NaN) }, 'initiatedBefore'],
    [{ prefix: 7 }, 'prefix'],
    [{ olderThan: 3 }, 'olderThan'],
  ])('refuses bad filters before sending anything: %o', async (filter, option) => {
    await expect(oss.client.listUploads(filter as never)).rejects.toMatchObject({
      constructor: OssOptionError,
      option,
    });
  });
});
