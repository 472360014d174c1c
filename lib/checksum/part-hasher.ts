import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { OssStreamError } from '../errors.ts';
import { Crc64 } from './crc64.ts';
import type { HashReply, HashRequest } from './hash-worker.ts';
import { type HashWorkerCode, hashWorkerCode } from './hash-worker-source.ts';

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
  /** Parts whose digest is awaited from this worker. */
  pending: Map<number, { resolve: (d: SealedPart) => void; reject: (e: Error) => void }>;
  /** Set once the worker has died: parts begun on it fail with this instead of waiting. */
  failure: OssStreamError | undefined;
}

export interface WorkerHashPoolOptions {
  /** Number of worker threads (started on first use). Default: available cores, at most 4. */
  size?: number | undefined;
  /** The worker's code. Default: the hash worker of this package. */
  code?: HashWorkerCode | undefined;
}

/** The error a part fails with when its hash worker dies; the writer wraps it as the cause. */
function hashWorkerFailure(reason: string): OssStreamError {
  return new OssStreamError('ERR_OSS_UPLOAD_FAILED', `Hashing a part failed: ${reason}`);
}

/**
 * MD5 runs at ~700 MB/s on one core and was the ceiling of the whole pipeline; hashing each
 * part on a worker lets parts hash in parallel. Segments are transferred to the worker and back
 * (moved, never copied). They are not SharedArrayBuffers on purpose: a worker's small heap is
 * rarely collected, and every SharedArrayBuffer it had seen stayed alive with it (measured:
 * ~500 MiB held after a 512 MiB upload).
 *
 * A worker is ref'd only while a digest is awaited from it, so the pool never keeps a process
 * alive on its own: an upload left unfinished does not hold the process, while a finish() the
 * caller awaits does. A worker that dies fails every part begun on it (awaited or not) with an
 * OssStreamError, and the next part starts a fresh worker.
 */
export class WorkerHashPool implements HashEngine {
  readonly size: number;
  readonly #code: HashWorkerCode | undefined;
  readonly #workers: (PoolWorker | undefined)[];
  #nextId = 1;
  #nextWorker = 0;

  constructor(options: WorkerHashPoolOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(availableParallelism(), 4));
    this.#code = options.code;
    this.#workers = new Array(this.size).fill(undefined);
  }

  /** Worker threads currently running. */
  get liveWorkers(): number {
    return this.#workers.filter((entry) => entry !== undefined).length;
  }

  #spawn(slot: number): PoolWorker {
    const code = this.#code ?? hashWorkerCode();
    // The worker needs none of the process's flags, and some break it (--input-type, loaders).
    const worker =
      'source' in code
        ? new Worker(code.source, { eval: true, execArgv: [] })
        : new Worker(code.file, { execArgv: [] });
    const entry: PoolWorker = { worker, pending: new Map(), failure: undefined };
    worker.on('message', (reply: HashReply) => {
      const waiter = entry.pending.get(reply.id);
      if (!waiter) return;
      entry.pending.delete(reply.id);
      if (entry.pending.size === 0) worker.unref();
      waiter.resolve({
        md5: Buffer.from(reply.md5),
        crc64: reply.crc64,
        body: reply.segments.map((s) => Buffer.from(s.buffer, 0, s.length)),
      });
    });
    const fail = (error: OssStreamError) => {
      entry.failure ??= error;
      if (this.#workers[slot] === entry) this.#workers[slot] = undefined;
      for (const waiter of entry.pending.values()) waiter.reject(entry.failure);
      entry.pending.clear();
    };
    // Only the message of the worker's error is kept: it is our own code's, never a request's.
    worker.on('error', (error) =>
      fail(hashWorkerFailure(`the hash worker threw: ${error.message}`)),
    );
    worker.on('exit', (code) =>
      fail(hashWorkerFailure(`the hash worker exited with code ${code}`)),
    );
    // Only after the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.#workers[slot] = entry;
    return entry;
  }

  begin(): PartHashing {
    const slot = this.#nextWorker;
    this.#nextWorker = (slot + 1) % this.size;
    const entry = this.#workers[slot] ?? this.#spawn(slot);
    const id = this.#nextId++;
    const post = (message: HashRequest, transfer: ArrayBuffer[] = []) => {
      if (entry.failure === undefined) entry.worker.postMessage(message, transfer);
    };
    let closed = false;
    return {
      update: (segment) => {
        const buffer = segment.buffer as ArrayBuffer;
        post({ type: 'update', id, segment: { buffer, length: segment.length } }, [buffer]);
      },
      finish: () => {
        closed = true;
        if (entry.failure) return Promise.reject(entry.failure);
        return new Promise<SealedPart>((resolve, reject) => {
          if (entry.pending.size === 0) entry.worker.ref();
          entry.pending.set(id, { resolve, reject });
          post({ type: 'finish', id });
        });
      },
      discard: () => {
        if (closed) return;
        closed = true;
        post({ type: 'discard', id });
      },
    };
  }

  /** Stop every worker (shutdown, tests); digests still awaited fail. A later begin() starts new ones. */
  async close(): Promise<void> {
    const workers = this.#workers.splice(0, this.size, ...new Array(this.size).fill(undefined));
    const live = workers.filter((entry) => entry !== undefined);
    for (const entry of live) entry.failure ??= hashWorkerFailure('the hash pool was closed');
    await Promise.all(live.map((entry) => entry.worker.terminate()));
  }
}
