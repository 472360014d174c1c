import { Writable } from 'node:stream';
import type { HashEngine } from './checksum/part-hasher.ts';
import { OssAbortError, OssStreamError, type OssUploadError, OssWriteError } from './errors.ts';
import { CapacityGate } from './parts/capacity-gate.ts';
import type { BudgetAccount } from './parts/memory-budget.ts';
import { PartReservations } from './parts/part-reservations.ts';
import { ProgressMeter } from './parts/progress-meter.ts';
import { PartBuffer, SegmentPool } from './parts/part-buffer.ts';
import { MAX_PARTS, partSizeFor, partSizeForLength } from './parts/part-size.ts';
import { checkedChunk } from './upload-body.ts';
import type { PartEvent, UploadStreamEvents } from './upload-events.ts';
import type { UploadResult, UploadTarget } from './upload-target.ts';

export type { UploadResult } from './upload-target.ts';
export type {
  InitiatedEvent,
  PartEvent,
  ProgressEvent,
  UploadStreamEvents,
} from './upload-events.ts';

type EventName = keyof UploadStreamEvents;
type WriteCallback = (error: Error | null | undefined) => void;

/** How the writer cuts and holds parts; everything about the object store is in the target. */
export interface WriterSettings {
  /** Names for messages and for `stream.key`/`stream.bucket`; never used for requests. */
  bucket: string;
  key: string;
  partSize: number;
  concurrency: number;
  contentLength: number | undefined;
  hashEngine: HashEngine;
  /** This upload's share of the client's memory budget. */
  budget: BudgetAccount;
  signal: AbortSignal | undefined;
}

interface HeldWrite {
  chunk: Uint8Array;
  offset: number;
  callback: (error?: Error | null) => void;
}

/**
 * The Writable: it copies bytes into parts, waits for capacity, and hands sealed parts to its
 * upload target. Backpressure is the `_write` callback, held while a full part waits for one of
 * `concurrency` slots or while the client's memory budget has no room for the next part.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only narrows the EventEmitter methods the class inherits
export class UploadStream extends Writable {
  readonly key: string;
  readonly bucket: string;
  /** Set once the object exists (before 'finish'). */
  result: UploadResult | undefined;

  readonly #target: UploadTarget;
  readonly #settings: WriterSettings;
  readonly #gate: CapacityGate;
  readonly #reservations: PartReservations;
  readonly #segments = new SegmentPool();
  readonly #tasks = new Set<Promise<void>>();
  readonly #progress: ProgressMeter;

  #partSize: number;
  #forceMultipart = false;
  #current: PartBuffer | undefined;
  #nextPartNumber = 1;
  #held: HeldWrite | undefined;
  /** Bytes of dispatched parts whose buffers are still held. */
  #dispatchedBytes = 0;
  #maxHeldBytes = 0;
  #failure: { error: unknown; partNumber: number | undefined } | undefined;
  #completed = false;
  #uploadError: OssUploadError | undefined;
  #removeSignalListener: (() => void) | undefined;

  constructor(target: UploadTarget, settings: WriterSettings) {
    super({ decodeStrings: true });
    this.#target = target;
    this.#settings = settings;
    this.key = settings.key;
    this.bucket = settings.bucket;
    this.#partSize = settings.partSize;
    this.#gate = new CapacityGate(settings.concurrency);
    this.#reservations = new PartReservations(settings.budget, this.#segments);
    this.#progress = new ProgressMeter(settings.contentLength);
    const { signal } = settings;
    if (signal) {
      const onAbort = () =>
        this.destroy(
          new OssAbortError('The upload was aborted by its signal', { cause: signal.reason }),
        );
      if (signal.aborted) queueMicrotask(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#removeSignalListener = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** Upload id of the multipart upload, once initiated (null for the single-request path). */
  get uploadId(): string | null {
    return this.#target.uploadId;
  }

  /** Bytes of part data this stream holds right now. */
  get bufferedBytes(): number {
    return this.#dispatchedBytes + (this.#current?.allocated ?? 0) + this.#segments.size;
  }

  /** The most part data this stream ever held at once. */
  get maxBufferedBytes(): number {
    return this.#maxHeldBytes;
  }

  /**
   * The error this stream failed with. `stream.errored` keeps the first error that reached
   * destroy() (a source's own error, say); this is the OssUploadError that reports the outcome.
   */
  get uploadError(): OssUploadError | undefined {
    return this.#uploadError;
  }

  get partsInFlight(): number {
    return this.#gate.active;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.#target.prepare().then(({ partSize, multipart }) => {
      if (partSize !== undefined) this.#partSize = partSize;
      this.#forceMultipart = multipart;
      callback();
    }, callback);
  }

  override write(chunk: string | Uint8Array, callback?: WriteCallback): boolean;
  override write(
    chunk: string | Uint8Array,
    encoding: BufferEncoding,
    callback?: WriteCallback,
  ): boolean;
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (this.writableEnded) {
      throw new OssWriteError(
        `write() after end(): the upload of ${this.key} is already finishing`,
      );
    }
    return super.write(
      checkedChunk(chunk, encoding),
      encoding as BufferEncoding,
      callback as never,
    );
  }

  override end(callback?: () => void): this;
  override end(chunk: string | Uint8Array, callback?: () => void): this;
  override end(chunk: string | Uint8Array, encoding: BufferEncoding, callback?: () => void): this;
  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (typeof chunk === 'function' || chunk === undefined || chunk === null) {
      return super.end(chunk as never);
    }
    if (this.writableEnded) {
      throw new OssWriteError(
        `end(chunk) after end(): the upload of ${this.key} is already finishing`,
      );
    }
    return super.end(checkedChunk(chunk, encoding), encoding as never, callback as never);
  }

  #noteHeld(): void {
    this.#maxHeldBytes = Math.max(this.#maxHeldBytes, this.bufferedBytes);
  }

  #capacityOf(partNumber: number): number {
    const { contentLength } = this.#settings;
    return contentLength === undefined
      ? partSizeFor(partNumber, this.#partSize)
      : partSizeForLength(this.#partSize, contentLength);
  }

  /** Bytes the part being filled has reserved but not yet taken segments for. */
  #roomToFill(): number {
    const part = this.#current;
    return part ? part.capacity - part.allocated : 0;
  }

  #openPart(capacity: number): void {
    const partNumber = this.#nextPartNumber++;
    if (partNumber > MAX_PARTS) {
      throw new OssStreamError(
        'ERR_OSS_UPLOAD_FAILED',
        `the stream needs more than ${MAX_PARTS} parts`,
      );
    }
    this.#current = new PartBuffer(
      partNumber,
      capacity,
      this.#settings.hashEngine.begin(),
      this.#segments,
    );
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const limit = this.#settings.contentLength;
    if (limit !== undefined && this.#progress.written + chunk.length > limit) {
      callback(new OssWriteError(`the source delivered more than contentLength (${limit}) bytes`));
      return;
    }
    this.#consume({ chunk, offset: 0, callback });
  }

  /** Copy a chunk into parts, dispatching full ones; holds the write while capacity is short. */
  #consume(write: HeldWrite): void {
    const { chunk } = write;
    try {
      while (write.offset < chunk.length) {
        if (!this.#current) {
          const capacity = this.#capacityOf(this.#nextPartNumber);
          if (!this.#reservations.tryReserve(capacity)) {
            this.#waitForBudget(write, capacity);
            return;
          }
          this.#openPart(capacity);
        }
        const part = this.#current as PartBuffer;
        if (part.full) {
          // Only dispatched once more bytes arrive: a stream of exactly one part is a PutObject.
          if (!this.#gate.tryAcquire()) {
            this.#waitForSlot(write);
            return;
          }
          this.#current = undefined;
          this.#dispatch(part);
          continue;
        }
        const taken = part.append(chunk, write.offset);
        write.offset += taken;
        this.#progress.wrote(taken);
      }
    } catch (error) {
      write.callback(error as Error);
      return;
    }
    this.#noteHeld();
    this.#emitProgress();
    write.callback();
  }

  #waitForBudget(write: HeldWrite, capacity: number): void {
    this.#held = write;
    this.#reservations.reserve(capacity).then(
      () => {
        if (this.#held !== write) {
          this.#reservations.release(capacity, 0);
          return;
        }
        this.#held = undefined;
        try {
          this.#openPart(capacity);
        } catch (error) {
          write.callback(error as Error);
          return;
        }
        this.#consume(write);
      },
      (error: unknown) => this.#fail(error),
    );
  }

  #waitForSlot(write: HeldWrite): void {
    this.#held = write;
    this.#gate.acquire().then(
      () => {
        if (this.#held !== write) {
          this.#gate.release();
          return;
        }
        this.#held = undefined;
        const full = this.#current as PartBuffer;
        this.#current = undefined;
        this.#dispatch(full);
        this.#consume(write);
      },
      (error: unknown) => this.#fail(error),
    );
  }

  #emitProgress(): void {
    if (this.listenerCount('progress') > 0) this.emit('progress', this.#progress.snapshot());
  }

  #onSent(partNumber: number, sent: number, size: number): void {
    if (!this.#failure && this.#progress.sent(partNumber, sent, size)) this.#emitProgress();
  }

  /** Send a full part; its slot is already taken. */
  #dispatch(part: PartBuffer): void {
    const held = part.allocated;
    this.#dispatchedBytes += held;
    this.#noteHeld();
    const task = this.#sendPart(part).then(
      () => {
        this.#settle(task, part, held);
        if (!this.#failure) this.#gate.release();
      },
      (error: unknown) => {
        this.#settle(task, part, held);
        this.#gate.release();
        this.#fail(error, part.partNumber);
      },
    );
    this.#tasks.add(task);
  }

  #settle(task: Promise<void>, part: PartBuffer, held: number): void {
    this.#tasks.delete(task);
    this.#dispatchedBytes -= held;
    const current = this.#current;
    // A write held for the slot this part frees opens the next part right after: carry it.
    const next = current?.full && this.#held ? this.#capacityOf(this.#nextPartNumber) : 0;
    this.#reservations.release(part.capacity, this.#roomToFill(), next);
  }

  async #sendPart(part: PartBuffer): Promise<void> {
    const { partNumber, size } = part;
    // Handed over while still hashing, so the target can initiate the upload meanwhile.
    const sealing = part.seal().then((sealed) => ({ partNumber, size, ...sealed }));
    try {
      const outcome = await this.#target.putPart(sealing, (sent) =>
        this.#onSent(partNumber, sent, size),
      );
      const sealed = await sealing;
      if (this.#failure) return;
      this.#progress.acknowledged(partNumber, size);
      const event: PartEvent = {
        partNumber,
        size,
        etag: outcome.etag,
        md5: sealed.md5.toString('hex').toUpperCase(),
        crc64: sealed.crc64.toString(),
        skipped: outcome.skipped,
        replaced: outcome.replaced,
      };
      this.emit('part', event);
      this.#emitProgress();
    } finally {
      // The request is over (answered or failed): its body buffers can take new bytes.
      const sealed = await sealing.catch(() => undefined);
      if (sealed) this.#segments.release(sealed.body);
    }
  }

  #fail(error: unknown, partNumber?: number): void {
    if (this.#failure) return;
    this.#failure = { error, partNumber };
    this.destroy(error as Error);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finish().then(
      () => callback(),
      (error) => callback(error as Error),
    );
  }

  async #finish(): Promise<void> {
    const { contentLength } = this.#settings;
    if (contentLength !== undefined && this.#progress.written !== contentLength) {
      throw new OssWriteError(
        `the source ended after ${this.#progress.written} of contentLength ${contentLength} bytes`,
      );
    }
    if (!this.#forceMultipart && this.#nextPartNumber <= 2) {
      this.result = await this.#putSingle();
    } else {
      const tail = this.#current;
      if (tail && tail.size > 0) {
        // The tail stays this.#current while it waits, so a failure meanwhile discards it.
        await this.#gate.acquire();
        this.#current = undefined;
        this.#dispatch(tail);
      } else if (tail) {
        this.#discardCurrent();
      }
      while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
      if (this.#failure) throw this.#failure.error;
      this.result = await this.#target.complete();
    }
    this.#completed = true;
    this.#progress.completed(this.result.size);
    this.#emitProgress();
  }

  /** The whole stream fit in one part (possibly empty): one PutObject. */
  async #putSingle(): Promise<UploadResult> {
    if (!this.#current) this.#openPart(0);
    const part = this.#current as PartBuffer;
    const sealed = await part.seal();
    this.#current = undefined;
    try {
      return await this.#target.putObject(
        { partNumber: 1, size: part.size, body: sealed.body, md5: sealed.md5, crc64: sealed.crc64 },
        (sent) => this.#onSent(1, sent, part.size),
      );
    } finally {
      this.#segments.release(sealed.body);
      this.#reservations.release(part.capacity, 0);
    }
  }

  #discardCurrent(): void {
    const part = this.#current;
    if (!part) return;
    this.#current = undefined;
    part.discard();
    this.#reservations.release(part.capacity, 0);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#removeSignalListener?.();
    if (this.#completed && !this.#failure && !error) {
      this.#reservations.releaseAll();
      callback(null);
      return;
    }
    // Node's convention: destroy() without an error closes the stream without 'error'; the
    // upload is still aborted, and uploadError says what happened to it. Not after end():
    // finished() then counts the stream as done, so pipeline() would resolve with no object.
    const quiet = error === null && !this.#failure && !this.writableEnded;
    this.#cleanUp(error).then((uploadError) => {
      this.#uploadError = uploadError;
      callback(quiet ? null : uploadError);
    });
  }

  async #cleanUp(error: Error | null): Promise<OssUploadError> {
    const cause =
      this.#failure?.error ??
      error ??
      new OssAbortError('The upload stream was destroyed before it finished');
    this.#failure ??= { error: cause, partNumber: undefined };
    this.#target.cancel(cause);
    const reason = cause instanceof Error ? cause : new OssAbortError();
    this.#gate.close(reason);
    this.#reservations.close(reason);
    this.#discardCurrent();
    const held = this.#held;
    this.#held = undefined;
    held?.callback(reason);
    // Let aborted requests settle, so no part lands after the upload is aborted.
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    const uploadError = await this.#target.cleanUp(cause, this.#failure.partNumber);
    this.#reservations.releaseAll();
    return uploadError;
  }
}

/** Typed events: a misspelt event name or a wrong payload field does not compile. */
export interface UploadStream {
  on<E extends EventName>(event: E, listener: UploadStreamEvents[E]): this;
  once<E extends EventName>(event: E, listener: UploadStreamEvents[E]): this;
  off<E extends EventName>(event: E, listener: UploadStreamEvents[E]): this;
  addListener<E extends EventName>(event: E, listener: UploadStreamEvents[E]): this;
  prependListener<E extends EventName>(event: E, listener: UploadStreamEvents[E]): this;
  prependOnceListener<E extends EventName>(event: E, listener: UploadStreamEvents[E]): this;
  removeListener<E extends EventName>(event: E, listener: UploadStreamEvents[E]): this;
  emit<E extends EventName>(event: E, ...args: Parameters<UploadStreamEvents[E]>): boolean;
}
