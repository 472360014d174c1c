/**
 * The writer (UploadStream) against an in-memory upload target: no HTTP server anywhere in this
 * file. Timing is driven by the target holding and releasing parts, never by sleeps.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { OssUploadError, OssWriteError } from '../lib/errors.ts';
import { MemoryBudget } from '../lib/parts/memory-budget.ts';
import { partSizeFor } from '../lib/parts/part-size.ts';
import type { ProgressEvent, UploadStream } from '../lib/upload-stream.ts';
import { countingHashEngine, FakeTarget, fakeStream } from './helpers/fake-target.ts';
import { rejectionOf } from './helpers/outcomes.ts';
import { sourceOf } from './helpers/reliability/sources.ts';

const P = 102_400;

const settled = rejectionOf;

describe('writer: cutting bytes into parts', () => {
  it.each([0, 1, P - 1, P, P + 1, 3 * P, 3 * P + 7])(
    '%i bytes arrive byte-identical, one PutObject only when they fit in one part',
    async (size) => {
      const data = randomBytes(size);
      const target = new FakeTarget();
      const stream = fakeStream(target);
      await pipeline(sourceOf(data, { chunkSize: 10_000 }), stream);
      expect(target.object.equals(data)).toBe(true);
      expect(target.single !== undefined).toBe(size <= P);
      expect(stream.result?.size).toBe(size);
      if (size > P) expect(target.stored.size).toBe(Math.ceil(size / P));
    },
  );

  it('a resumed upload cuts at the part size the target prescribes and always completes as multipart', async () => {
    const target = new FakeTarget();
    target.prepared = { partSize: 2 * P, multipart: true };
    const data = randomBytes(P + 5);
    await pipeline(sourceOf(data, { chunkSize: 4096 }), fakeStream(target, { partSize: P }));
    expect(target.single).toBeUndefined();
    expect([...target.stored.values()].map((b) => b.length)).toEqual([P + 5]);
  });
});

describe('writer: concurrency and backpressure', () => {
  it.each([1, 3])(
    'holds the source at %i parts in flight and lets it go part by part',
    async (c) => {
      const target = new FakeTarget();
      target.hold = true;
      const stream = fakeStream(target, { concurrency: c });
      const done = pipeline(sourceOf(randomBytes(10 * P), { chunkSize: 8192 }), stream);
      await vi.waitFor(() => expect(target.held.length).toBe(c), { timeout: 10_000 });
      expect(stream.partsInFlight).toBe(c);
      // Nothing more is dispatched while every slot is taken, however long we wait for events.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(target.held.length).toBe(c);
      // One part answered frees one slot: exactly one more part goes out.
      target.releaseOne();
      await vi.waitFor(() => expect(target.held.length).toBe(c));
      expect(target.stored.size).toBe(1);
      target.hold = false;
      while (target.held.length > 0) target.releaseOne();
      await done;
      expect(target.stored.size).toBe(10);
    },
  );

  it('the tail waiting for a slot is discarded when a part fails meanwhile (no hash state left open)', async () => {
    const counting = countingHashEngine();
    const target = new FakeTarget();
    target.hold = true;
    const stream = fakeStream(target, { concurrency: 1, hashEngine: counting.engine });
    const done = settled(pipeline(sourceOf(randomBytes(2 * P + 10), { chunkSize: 4096 }), stream));
    // Part 1 is held; part 2 is full and waits for the slot, or the tail does in _final.
    await vi.waitFor(() => expect(target.held.length).toBe(1));
    await vi.waitFor(() => expect(stream.writableEnded).toBe(true));
    target.held.shift()?.reject(new Error('part 1 refused'));
    const error = await done;
    expect(error).toBeInstanceOf(Error);
    expect(stream.uploadError).toBeInstanceOf(OssUploadError);
    expect(counting.open()).toBe(0);
  });

  it.each(['signal', 'destroy'])(
    'the tail waiting for a slot is discarded when the upload is stopped by %s',
    async (how) => {
      const counting = countingHashEngine();
      const target = new FakeTarget();
      target.hold = true;
      const controller = new AbortController();
      const stream = fakeStream(target, {
        concurrency: 1,
        hashEngine: counting.engine,
        signal: controller.signal,
      });
      const done = settled(
        pipeline(sourceOf(randomBytes(2 * P + 10), { chunkSize: 4096 }), stream),
      );
      await vi.waitFor(() => expect(stream.writableEnded).toBe(true));
      if (how === 'signal') controller.abort();
      else stream.destroy();
      await done;
      await vi.waitFor(() => expect(stream.closed).toBe(true));
      expect(counting.open()).toBe(0);
      expect(stream.uploadError?.cleanedUp).toBe(true);
    },
  );
});

describe('writer: memory', () => {
  it('holds at most (concurrency + 1) × the current part size at the growth steps', {
    timeout: 120_000,
  }, async () => {
    // 100 KiB parts for parts 1-1000, then 16 MiB parts: the bound follows the current size.
    const concurrency = 2;
    const target = new FakeTarget();
    target.hold = true;
    const stream = fakeStream(target, { concurrency, partSize: P });
    let written = 0;
    let worst = 0;
    const total = 1000 * P + 3 * partSizeFor(1001, P) + 5;
    const source = new Readable({
      read() {
        if (written >= total) return void this.push(null);
        const n = Math.min(1024 * 1024, total - written);
        written += n;
        this.push(Buffer.alloc(n, written % 251));
      },
    });
    // The bound at each moment uses the size of the part being filled then.
    stream.on('progress', ({ bytesWritten }: ProgressEvent) => {
      const current = bytesWritten > 1000 * P ? partSizeFor(1001, P) : P;
      worst = Math.max(worst, stream.bufferedBytes / ((concurrency + 1) * current));
    });
    const done = pipeline(source, stream);
    const drain = setInterval(() => target.releaseOne(), 0);
    try {
      await done;
    } finally {
      clearInterval(drain);
    }
    expect(target.object.length).toBe(total);
    const largest = partSizeFor(1001, P);
    expect(stream.maxBufferedBytes).toBeLessThanOrEqual((concurrency + 1) * largest);
    expect(worst).toBeLessThanOrEqual(1.0001);
  });

  it('uploads sharing one budget never reserve more than its limit, and all finish', async () => {
    const budget = new MemoryBudget(3 * P);
    const targets = [new FakeTarget(), new FakeTarget(), new FakeTarget(), new FakeTarget()];
    let peak = 0;
    let peakBuffered = 0;
    const streams: UploadStream[] = [];
    for (const target of targets) {
      const stream = fakeStream(target, { budget: budget.account(), concurrency: 2 });
      stream.on('progress', () => {
        peak = Math.max(peak, budget.held);
        // What the streams really hold (parts, pooled segments) stays within what is reserved.
        const buffered = streams.reduce((sum, s) => sum + s.bufferedBytes, 0);
        expect(buffered).toBeLessThanOrEqual(budget.held);
        peakBuffered = Math.max(peakBuffered, buffered);
      });
      streams.push(stream);
    }
    await Promise.all(
      streams.map((stream) =>
        pipeline(sourceOf(randomBytes(6 * P + 3), { chunkSize: 7000 }), stream),
      ),
    );
    expect(peak).toBeLessThanOrEqual(3 * P);
    expect(peakBuffered).toBeGreaterThan(0);
    expect(budget.peakHeld).toBeLessThanOrEqual(3 * P);
    expect(budget.held).toBe(0);
    for (const target of targets) expect(target.object.length).toBe(6 * P + 3);
  });

  it('uploads waiting for budget while their own parts finish do not deadlock (pooled 1 MiB segments)', {
    timeout: 60_000,
  }, async () => {
    // 1 MiB parts are pooled for reuse after they are sent; a stream waiting for budget must
    // not keep its pooled bytes reserved while it waits, or every stream waits for the others.
    const MiB = 1024 * 1024;
    const budget = new MemoryBudget(2 * MiB);
    const targets = [new FakeTarget(), new FakeTarget(), new FakeTarget()];
    const streams = targets.map((target) =>
      fakeStream(target, { budget: budget.account(), concurrency: 2, partSize: MiB }),
    );
    let overBudget = 0;
    for (const stream of streams) {
      stream.on('progress', () => {
        const buffered = streams.reduce((sum, s) => sum + s.bufferedBytes, 0);
        if (buffered > budget.held) overBudget++;
      });
    }
    const uploads = streams.map((stream) =>
      pipeline(sourceOf(randomBytes(5 * MiB + 7), { chunkSize: 64 * 1024 }), stream),
    );
    const outcome = await Promise.race([
      Promise.all(uploads).then(() => 'finished'),
      new Promise((resolve) => setTimeout(() => resolve('stuck'), 20_000).unref()),
    ]);
    expect(outcome).toBe('finished');
    expect(overBudget).toBe(0);
    expect(budget.held).toBe(0);
    for (const target of targets) expect(target.object.length).toBe(5 * MiB + 7);
  });

  it('a failed upload gives its whole reservation back', async () => {
    const budget = new MemoryBudget(10 * P);
    const target = new FakeTarget();
    target.failPart = 2;
    const stream = fakeStream(target, { budget: budget.account(), concurrency: 2 });
    await settled(pipeline(sourceOf(randomBytes(8 * P), { chunkSize: 5000 }), stream));
    await vi.waitFor(() => expect(stream.closed).toBe(true));
    expect(budget.held).toBe(0);
  });
});

describe('writer: writes and ends', () => {
  it('end(chunk) is checked like write(): a number is an OssWriteError and the stream carries on', async () => {
    const target = new FakeTarget();
    const stream = fakeStream(target);
    expect(() => stream.end(42 as never)).toThrow(OssWriteError);
    expect(stream.destroyed).toBe(false);
    stream.end('fine');
    await new Promise((resolve) => stream.once('finish', resolve));
    expect(target.object.toString()).toBe('fine');
  });

  it('end(chunk) after end() throws OssWriteError and does not destroy a valid upload', async () => {
    const target = new FakeTarget();
    const stream = fakeStream(target);
    stream.end('first');
    expect(() => stream.end('again')).toThrow(OssWriteError);
    await new Promise((resolve) => stream.once('finish', resolve));
    expect(stream.destroyed ? stream.uploadError : undefined).toBeUndefined();
    expect(target.object.toString()).toBe('first');
  });

  it('a Uint8Array from another realm is accepted by write() and end()', async () => {
    const target = new FakeTarget();
    const stream = fakeStream(target);
    const foreign = runInNewContext('new Uint8Array([1, 2, 3])') as Uint8Array;
    expect(foreign instanceof Uint8Array).toBe(false);
    stream.write(foreign);
    stream.end(runInNewContext('new Uint8Array([4])') as Uint8Array);
    await new Promise((resolve) => stream.once('finish', resolve));
    expect([...target.object]).toEqual([1, 2, 3, 4]);
  });

  it('progress never goes backwards when an attempt restarts', async () => {
    const target = new FakeTarget();
    target.simulateRetry = true;
    const stream = fakeStream(target, { concurrency: 3 });
    const seen: number[] = [];
    stream.on('progress', (event: ProgressEvent) => seen.push(event.bytesUploaded));
    await pipeline(sourceOf(randomBytes(5 * P + 1), { chunkSize: 3000 }), stream);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    }
    expect(seen.at(-1)).toBe(5 * P + 1);
  });

  it('destroy() without an error closes without an error event; the upload is still cleaned up', async () => {
    const target = new FakeTarget();
    target.hold = true;
    const stream = fakeStream(target);
    const errors: unknown[] = [];
    stream.on('error', (error) => errors.push(error));
    stream.write(randomBytes(2 * P));
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(errors).toEqual([]);
    expect(stream.uploadError).toBeInstanceOf(OssUploadError);
    expect(target.cleanedUpWith).toBeDefined();
  });

  it('destroy() without an error after end() is an error: pipeline() must not resolve without an object', async () => {
    const target = new FakeTarget();
    target.hold = true;
    const stream = fakeStream(target);
    const done = settled(pipeline(sourceOf(randomBytes(3 * P), { chunkSize: 4096 }), stream));
    await vi.waitFor(() => expect(stream.writableEnded).toBe(true));
    stream.destroy();
    expect(await done).toBeInstanceOf(OssUploadError);
    expect(stream.result).toBeUndefined();
  });

  it('a write callback is called exactly once, with the failure, when the upload fails while it is held', async () => {
    const target = new FakeTarget();
    target.hold = true;
    const stream = fakeStream(target, { concurrency: 1 });
    stream.on('error', () => {});
    const calls: unknown[] = [];
    stream.write(randomBytes(3 * P), (error) => calls.push(error ?? 'ok'));
    await vi.waitFor(() => expect(target.held.length).toBe(1));
    target.held.shift()?.reject(new Error('refused'));
    await new Promise((resolve) => stream.once('close', resolve));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeInstanceOf(Error);
  });
});
