/**
 * An in-memory upload target for the writer's unit specs: no HTTP, every part kept, and each
 * putPart held until the test lets it go when `hold` is on.
 */
import { createHash } from 'node:crypto';
import {
  inlineHashEngine,
  type HashEngine,
  type PartHashing,
} from '../../lib/checksum/part-hasher.ts';
import { OssUploadError } from '../../lib/errors.ts';
import { MemoryBudget } from '../../lib/parts/memory-budget.ts';
import type {
  PartOutcome,
  SealedPartData,
  SentReporter,
  UploadResult,
  UploadTarget,
} from '../../lib/upload-target.ts';
import { UploadStream, type WriterSettings } from '../../lib/upload-stream.ts';

interface HeldPart {
  part: SealedPartData;
  onSent: SentReporter;
  resolve: (outcome: PartOutcome) => void;
  reject: (error: Error) => void;
}

export class FakeTarget implements UploadTarget {
  uploadId: string | null = null;
  /** Parts stored, by number, as one Buffer each. */
  readonly stored = new Map<number, Buffer>();
  single: Buffer | undefined;
  hold = false;
  readonly held: HeldPart[] = [];
  /** Fail this part number once it arrives. */
  failPart: number | undefined;
  prepared = { partSize: undefined as number | undefined, multipart: false };
  cancelled: unknown;
  cleanedUpWith: unknown;
  /** Reports this many bytes sent, twice over (a retried attempt), before answering. */
  simulateRetry = false;

  async prepare() {
    return this.prepared;
  }

  async putPart(sealing: Promise<SealedPartData>, onSent: SentReporter): Promise<PartOutcome> {
    this.uploadId ??= 'fake-upload';
    const part = await sealing;
    if (this.failPart === part.partNumber) throw new Error(`part ${part.partNumber} refused`);
    return new Promise((resolve, reject) => {
      const entry = { part, onSent, resolve, reject };
      if (this.hold) this.held.push(entry);
      else this.#answer(entry);
    });
  }

  #answer({ part, onSent, resolve }: HeldPart): void {
    if (this.cancelled !== undefined) return;
    if (this.simulateRetry) {
      onSent(part.size);
      onSent(0);
      onSent(Math.floor(part.size / 2));
    }
    onSent(part.size);
    this.stored.set(part.partNumber, Buffer.concat(part.body));
    resolve({
      etag: `"${part.md5.toString('hex').toUpperCase()}"`,
      skipped: false,
      replaced: false,
    });
  }

  /** Let the oldest held part go. */
  releaseOne(): void {
    const next = this.held.shift();
    if (next) this.#answer(next);
  }

  get object(): Buffer {
    if (this.single) return this.single;
    const numbers = [...this.stored.keys()].sort((a, b) => a - b);
    return Buffer.concat(numbers.map((n) => this.stored.get(n) as Buffer));
  }

  async complete(): Promise<UploadResult> {
    const object = this.object;
    return this.#result(object, this.stored.size, this.uploadId);
  }

  async putObject(part: SealedPartData, onSent: SentReporter): Promise<UploadResult> {
    onSent(part.size);
    this.single = Buffer.concat(part.body);
    return this.#result(this.single, 1, null);
  }

  #result(object: Buffer, partCount: number, uploadId: string | null): UploadResult {
    return {
      bucket: 'fake',
      key: 'fake-key',
      size: object.length,
      etag: createHash('md5').update(object).digest('hex'),
      crc64: '0',
      crc64Verified: false,
      partCount,
      uploadId,
      location: undefined,
    };
  }

  cancel(reason: unknown): void {
    this.cancelled ??= reason;
    for (const entry of this.held.splice(0)) entry.reject(reason as Error);
  }

  async cleanUp(cause: unknown, partNumber: number | undefined): Promise<OssUploadError> {
    this.cleanedUpWith = cause;
    return new OssUploadError({
      bucket: 'fake',
      key: 'fake-key',
      uploadId: this.uploadId,
      partNumber,
      cleanedUp: true,
      cause,
    });
  }
}

/** A hash engine that counts parts begun and not yet finished or discarded. */
export function countingHashEngine(inner: HashEngine = inlineHashEngine) {
  let open = 0;
  const engine: HashEngine = {
    begin(): PartHashing {
      const hashing = inner.begin();
      open++;
      let closed = false;
      const close = () => {
        if (!closed) open--;
        closed = true;
      };
      return {
        update: (segment) => hashing.update(segment),
        finish: () => {
          close();
          return hashing.finish();
        },
        discard: () => {
          close();
          hashing.discard();
        },
      };
    },
  };
  return { engine, open: () => open };
}

export function fakeStream(
  target: FakeTarget,
  settings: Partial<WriterSettings> = {},
): UploadStream {
  return new UploadStream(target, {
    bucket: 'fake',
    key: 'fake-key',
    partSize: 102_400,
    concurrency: 2,
    contentLength: undefined,
    hashEngine: inlineHashEngine,
    budget: new MemoryBudget(1024 ** 3).account(),
    signal: undefined,
    ...settings,
  });
}
