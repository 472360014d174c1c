import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Crc64 } from './crc64.ts';
import type { HashReply, HashRequest } from './hash-worker.ts';

export interface PartDigest {
  md5: Buffer;
  crc64: bigint;
}

/** A finished part: its digest, and its bytes (the segments, handed back) as the body. */
export interface SealedPart extends PartDigest {
  body: Buffer[];
}

/**
 * Incremental hashing of one part. `update` takes ownership of the segment (the worker engine
 * moves it to another thread); `finish` gives all segments back, in order, with the digest.
 */
export interface PartHashing {
  update(segment: Buffer): void;
  finish(): Promise<SealedPart>;
  /** Drop the state without a result (the upload failed). */
  discard(): void;
}

export interface HashEngine {
  begin(): PartHashing;
}

/** Hashing on the calling thread: for tiny parts, or where workers are not wanted. */
export const inlineHashEngine: HashEngine = {
  begin() {
    const md5 = createHash('md5');
    const crc = new Crc64();
    const body: Buffer[] = [];
    return {
      update(segment) {
        md5.update(segment);
        crc.update(segment);
        body.push(segment);
      },
      finish: async () => ({ md5: md5.digest(), crc64: crc.digest(), body }),
      discard() {
        body.length = 0;
      },
    };
  },
};

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve: (d: SealedPart) => void; reject: (e: Error) => void }>;
  /** Parts begun on this worker and not yet finished or discarded. */
  open: number;
}

const workerUrl = new URL(
  `./hash-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/**
 * MD5 runs at ~700 MB/s on one core and was the ceiling of the whole pipeline; hashing each
 * part on a worker lets parts hash in parallel. Segments are transferred to the worker and back
 * (moved, never copied). They are not SharedArrayBuffers on purpose: a worker's small heap is
 * rarely collected, and every SharedArrayBuffer it had seen stayed alive with it (measured:
 * ~500 MiB held after a 512 MiB upload). Workers are unref'd while idle, so the pool never
 * keeps a process alive.
 */
export class WorkerHashPool implements HashEngine {
  readonly size: number;
  readonly #workers: (PoolWorker | undefined)[];
  #nextId = 1;
  #nextWorker = 0;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 4))) {
    this.size = size;
    this.#workers = new Array(size).fill(undefined);
  }

  #spawn(slot: number): PoolWorker {
    const worker = new Worker(workerUrl);
    const entry: PoolWorker = { worker, pending: new Map(), open: 0 };
    worker.unref();
    worker.on('message', (reply: HashReply) => {
      const waiter = entry.pending.get(reply.id);
      if (!waiter) return;
      entry.pending.delete(reply.id);
      waiter.resolve({
        md5: Buffer.from(reply.md5),
        crc64: reply.crc64,
        body: reply.segments.map((s) => Buffer.from(s.buffer, 0, s.length)),
      });
    });
    const fail = (error: Error) => {
      if (this.#workers[slot] === entry) this.#workers[slot] = undefined;
      for (const waiter of entry.pending.values()) waiter.reject(error);
      entry.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)));
    this.#workers[slot] = entry;
    return entry;
  }

  #retain(entry: PoolWorker): void {
    if (entry.open++ === 0) entry.worker.ref();
  }

  #release(entry: PoolWorker): void {
    if (--entry.open === 0) entry.worker.unref();
  }

  begin(): PartHashing {
    const slot = this.#nextWorker;
    this.#nextWorker = (slot + 1) % this.size;
    const entry = this.#workers[slot] ?? this.#spawn(slot);
    const id = this.#nextId++;
    const post = (message: HashRequest, transfer: ArrayBuffer[] = []) =>
      entry.worker.postMessage(message, transfer);
    let closed = false;
    this.#retain(entry);
    return {
      update: (segment) => {
        const buffer = segment.buffer as ArrayBuffer;
        post({ type: 'update', id, segment: { buffer, length: segment.length } }, [buffer]);
      },
      finish: () => {
        closed = true;
        return new Promise<SealedPart>((resolve, reject) => {
          entry.pending.set(id, {
            resolve: (digest) => {
              this.#release(entry);
              resolve(digest);
            },
            reject: (error) => {
              this.#release(entry);
              reject(error);
            },
          });
          post({ type: 'finish', id });
        });
      },
      discard: () => {
        if (closed) return;
        closed = true;
        post({ type: 'discard', id });
        this.#release(entry);
      },
    };
  }

  /** Stop every worker (tests and shutdown). A later begin() starts new ones. */
  async close(): Promise<void> {
    const workers = this.#workers.splice(0, this.size, ...new Array(this.size).fill(undefined));
    await Promise.all(workers.map((entry) => entry?.worker.terminate()));
  }
}

let sharedPool: WorkerHashPool | undefined;

/** The process-wide pool that upload streams share by default. */
export function defaultHashPool(): WorkerHashPool {
  sharedPool ??= new WorkerHashPool();
  return sharedPool;
}
