import { Writable } from 'node:stream';
import { etagToMd5Hex } from './checksum/md5.ts';
import {
  defaultHashPool,
  type HashEngine,
  inlineHashEngine,
  type PartDigest,
} from './checksum/part-hasher.ts';
import {
  OssAbortError,
  OssIntegrityError,
  OssStreamError,
  OssUploadError,
  OssWriteError,
} from './errors.ts';
import type { ResolvedUploadOptions } from './options.ts';
import type { OssTransport } from './oss/transport.ts';
import type { ListedPart } from './oss/types.ts';
import { PartBuffer, SegmentPool } from './parts/part-buffer.ts';
import { MAX_PARTS, partSizeFor, partSizeForLength } from './parts/part-size.ts';
import { PartLedger } from './parts/ledger.ts';

export interface UploadResult {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** CRC-64/ECMA of the object as a decimal string (as OSS reports it). */
  crc64: string;
  partCount: number;
  /** null when the object was small enough for a single PutObject. */
  uploadId: string | null;
  location: string | undefined;
}

export interface PartEvent {
  partNumber: number;
  size: number;
  etag: string;
  /** Uppercase hex MD5 of the part. */
  md5: string;
  /** Decimal CRC-64 of the part. */
  crc64: string;
  /** True when a resumed upload found this part already on the server. */
  skipped: boolean;
}

export interface ProgressEvent {
  /** Bytes accepted from the source. */
  bytesWritten: number;
  /** Bytes sent to the server: acknowledged parts plus what is on the wire now. */
  bytesUploaded: number;
  total?: number;
}

/** Deadline for the clean-up requests sent after a failure. */
const CLEANUP_TIMEOUT_MS = 10_000;

interface HeldWrite {
  chunk: Uint8Array;
  offset: number;
  callback: (error?: Error | null) => void;
}

/**
 * The Writable facade. It only fills parts and waits for capacity; the transport sends,
 * signs and retries. Backpressure is the _write callback: it is held while a full part is
 * waiting for one of `concurrency` upload slots, so memory stays within
 * (concurrency + 1) × partSize plus the writable's own highWaterMark.
 */
export class UploadStream extends Writable {
  readonly key: string;
  readonly bucket: string;
  /** Set once the object exists (before 'finish'). */
  result: UploadResult | undefined;

  readonly #transport: OssTransport;
  readonly #options: ResolvedUploadOptions;
  readonly #hashEngine: HashEngine;
  readonly #controller = new AbortController();
  readonly #ledger = new PartLedger();
  readonly #tasks = new Set<Promise<void>>();
  readonly #onWire = new Map<number, number>();
  readonly #segments = new SegmentPool();

  #current: PartBuffer | undefined;
  #nextPartNumber = 1;
  #inFlight = 0;
  /** Sealed parts whose buffers are still held (hashing, uploading or waiting to retry). */
  #heldBytes = 0;
  #maxHeldBytes = 0;
  #held: HeldWrite | undefined;
  #slotWaiter: (() => void) | undefined;
  #uploadId: string | null = null;
  #initiating: Promise<string> | undefined;
  #serverParts: Promise<Map<number, ListedPart>> | undefined;
  #bytesWritten = 0;
  #bytesAcknowledged = 0;
  #failure: { error: unknown; partNumber: number | undefined } | undefined;
  #completed = false;
  #initiateFailed = false;
  /** The object was created but then deleted because its CRC-64 did not match. */
  #objectDeleted = false;
  #uploadError: OssUploadError | undefined;
  #removeSignalListener: (() => void) | undefined;

  constructor(transport: OssTransport, key: string, options: ResolvedUploadOptions) {
    super({ decodeStrings: true });
    this.#transport = transport;
    this.bucket = transport.bucket;
    this.key = key;
    this.#options = options;
    this.#hashEngine = options.hashing === 'inline' ? inlineHashEngine : defaultHashPool();
    if (options.resume) this.#uploadId = options.resume.uploadId;
    const { signal } = options;
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
    return this.#uploadId;
  }

  /** Bytes of part data this stream holds right now, and the most it ever held. */
  get bufferedBytes(): number {
    return this.#heldBytes + (this.#current?.allocated ?? 0) + this.#segments.size;
  }

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
    return this.#inFlight;
  }

  #noteHeld(): void {
    this.#maxHeldBytes = Math.max(this.#maxHeldBytes, this.bufferedBytes);
  }

  #partCapacity(partNumber: number): number {
    const { contentLength, partSize } = this.#options;
    return contentLength === undefined
      ? partSizeFor(partNumber, partSize)
      : partSizeForLength(partSize, contentLength);
  }

  #newPart(): PartBuffer {
    const partNumber = this.#nextPartNumber++;
    if (partNumber > MAX_PARTS) {
      throw new OssStreamError(
        'ERR_OSS_UPLOAD_FAILED',
        `the stream needs more than ${MAX_PARTS} parts`,
      );
    }
    return new PartBuffer(
      partNumber,
      this.#partCapacity(partNumber),
      this.#hashEngine.begin(),
      this.#segments,
    );
  }

  /**
   * Checked before Node's own handling, so a caller's mistake throws a typed error at the
   * call site instead of destroying the stream (and the upload) behind its back.
   */
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (this.writableEnded) {
      throw new OssWriteError(
        `write() after end(): the upload of ${this.key} is already finishing`,
      );
    }
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
      const type =
        chunk === null
          ? 'null'
          : typeof chunk === 'object'
            ? chunk.constructor?.name
            : typeof chunk;
      throw new OssWriteError(
        `write() takes a Buffer, Uint8Array or string, not ${type ?? 'object'}`,
      );
    }
    if (typeof chunk === 'string' && typeof encoding === 'string' && !Buffer.isEncoding(encoding)) {
      throw new OssWriteError(`write() got an unknown string encoding "${encoding}"`);
    }
    return super.write(
      chunk,
      encoding as BufferEncoding,
      callback as (error?: Error | null) => void,
    );
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const limit = this.#options.contentLength;
    if (limit !== undefined && this.#bytesWritten + chunk.length > limit) {
      callback(new OssWriteError(`the source delivered more than contentLength (${limit}) bytes`));
      return;
    }
    this.#consume({ chunk, offset: 0, callback });
  }

  /** Copy a chunk into parts, dispatching full ones; holds the write while no slot is free. */
  #consume(write: HeldWrite): void {
    const { chunk } = write;
    try {
      while (write.offset < chunk.length) {
        this.#current ??= this.#newPart();
        if (this.#current.full) {
          if (this.#inFlight >= this.#options.concurrency) {
            this.#held = write;
            return;
          }
          const full = this.#current;
          this.#current = undefined;
          this.#dispatch(full);
          this.#current = this.#newPart();
        }
        const taken = this.#current.append(chunk, write.offset);
        write.offset += taken;
        this.#bytesWritten += taken;
      }
    } catch (error) {
      write.callback(error as Error);
      return;
    }
    this.#noteHeld();
    this.#emitProgress();
    write.callback();
  }

  #emitProgress(): void {
    if (this.listenerCount('progress') === 0) return;
    let onWire = 0;
    for (const sent of this.#onWire.values()) onWire += sent;
    const event: ProgressEvent = {
      bytesWritten: this.#bytesWritten,
      bytesUploaded: this.#bytesAcknowledged + onWire,
    };
    if (this.#options.contentLength !== undefined) event.total = this.#options.contentLength;
    this.emit('progress', event);
  }

  #slotFreed(): void {
    if (this.#failure || this.destroyed) {
      // _final may be waiting for a slot; let it see the failure instead of waiting forever.
      this.#wakeSlotWaiter();
      return;
    }
    const held = this.#held;
    if (held) {
      this.#held = undefined;
      this.#consume(held);
      return;
    }
    this.#wakeSlotWaiter();
  }

  #wakeSlotWaiter(): void {
    const waiter = this.#slotWaiter;
    this.#slotWaiter = undefined;
    waiter?.();
  }

  #dispatch(part: PartBuffer): void {
    this.#inFlight++;
    this.#heldBytes += part.allocated;
    this.#noteHeld();
    const held = part.allocated;
    const settled = () => {
      this.#inFlight--;
      this.#heldBytes -= held;
      this.#tasks.delete(task);
    };
    const task = this.#uploadPart(part).then(
      () => {
        settled();
        this.#slotFreed();
      },
      (error) => {
        settled();
        this.#fail(error, this.#initiateFailed ? undefined : part.partNumber);
      },
    );
    this.#tasks.add(task);
  }

  /** Initiate on the first full part, so a stream smaller than one part is one PutObject. */
  #ensureInitiated(): Promise<string> {
    if (this.#uploadId) return Promise.resolve(this.#uploadId);
    // Not tied to the abort signal: an Initiate cut off mid-flight could leave an upload we
    // never learn about. _destroy waits for it instead (bounded) and then aborts it.
    this.#initiating ??= this.#transport
      .initiateMultipartUpload(this.key, {
        headers: this.#options.objectHeaders,
        retry: this.#options.retry,
        signal: AbortSignal.timeout(this.#transport.options.timeoutMs * 3),
      })
      .then(
        ({ uploadId }) => {
          this.#uploadId = uploadId;
          this.emit('initiated', { uploadId });
          return uploadId;
        },
        (error: unknown) => {
          this.#initiateFailed = true;
          throw error;
        },
      );
    return this.#initiating;
  }

  #serverPartsForResume(uploadId: string): Promise<Map<number, ListedPart>> {
    this.#serverParts ??= this.#transport
      .listParts(this.key, uploadId, {
        signal: this.#controller.signal,
        retry: this.#options.retry,
      })
      .then((parts) => new Map(parts.map((p) => [p.partNumber, p])));
    return this.#serverParts;
  }

  async #uploadPart(part: PartBuffer): Promise<void> {
    const [uploadId, digest] = await Promise.all([this.#ensureInitiated(), part.seal()]);
    const { body } = digest;
    const { partNumber, size } = part;
    const md5 = digest.md5.toString('hex').toUpperCase();
    this.#ledger.record({ partNumber, size, md5, crc64: digest.crc64 });

    if (this.#options.resume) {
      const existing = (await this.#serverPartsForResume(uploadId)).get(partNumber);
      if (existing && existing.size === size && etagToMd5Hex(existing.etag) === md5) {
        this.#acknowledge(partNumber, size, existing.etag, md5, digest, true);
        this.#segments.release(body);
        return;
      }
    }
    this.#onWire.set(partNumber, 0);
    const result = await this.#transport.uploadPart(this.key, uploadId, partNumber, body, {
      contentMd5: digest.md5.toString('base64'),
      crc64: this.#options.checkCrc64 ? digest.crc64 : undefined,
      signal: this.#controller.signal,
      retry: this.#options.retry,
      onUploadProgress: (sent) => {
        if (this.#failure) return;
        this.#onWire.set(partNumber, Math.min(sent, size));
        this.#emitProgress();
      },
    });
    this.#acknowledge(partNumber, size, result.etag, md5, digest, false);
    // The request is over (response received): its body buffers can take new bytes.
    this.#segments.release(body);
  }

  #acknowledge(
    partNumber: number,
    size: number,
    etag: string,
    md5: string,
    digest: PartDigest,
    skipped: boolean,
  ) {
    if (this.#failure) return;
    this.#ledger.acknowledge(partNumber, etag);
    this.#onWire.delete(partNumber);
    this.#bytesAcknowledged += size;
    const event: PartEvent = {
      partNumber,
      size,
      etag,
      md5,
      crc64: digest.crc64.toString(),
      skipped,
    };
    this.emit('part', event);
    this.#emitProgress();
  }

  #fail(error: unknown, partNumber?: number): void {
    if (this.#failure) return;
    this.#failure = { error, partNumber };
    this.destroy(error as Error);
  }

  /** Resolves when fewer than `concurrency` parts are in flight. */
  #waitForSlot(): Promise<void> {
    if (this.#inFlight < this.#options.concurrency) return Promise.resolve();
    return new Promise((resolve) => {
      this.#slotWaiter = resolve;
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finish().then(
      () => callback(),
      (error) => callback(error as Error),
    );
  }

  async #finish(): Promise<void> {
    const { contentLength } = this.#options;
    if (contentLength !== undefined && this.#bytesWritten !== contentLength) {
      throw new OssWriteError(
        `the source ended after ${this.#bytesWritten} of contentLength ${contentLength} bytes`,
      );
    }
    const multipart = this.#nextPartNumber > 2 || this.#options.resume !== undefined;
    if (!multipart) {
      await this.#putSingle();
      return;
    }
    const tail = this.#current;
    this.#current = undefined;
    if (tail && tail.size > 0) {
      await this.#waitForSlot();
      if (this.#failure) throw this.#failure.error;
      this.#dispatch(tail);
    } else {
      tail?.discard();
    }
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    if (this.#failure) throw this.#failure.error;
    await this.#complete();
  }

  /** The whole stream fit in one part (possibly empty): one PutObject. */
  async #putSingle(): Promise<void> {
    const part = this.#current ?? this.#newPart();
    this.#current = undefined;
    const digest = await part.seal();
    const { body } = digest;
    const crc64 = digest.crc64.toString();
    const result = await this.#transport
      .putObject(this.key, body, {
        contentMd5: digest.md5.toString('base64'),
        crc64: this.#options.checkCrc64 ? digest.crc64 : undefined,
        headers: this.#options.objectHeaders,
        signal: this.#controller.signal,
        retry: this.#options.retry,
        onUploadProgress: (sent) => {
          this.#onWire.set(1, Math.min(sent, part.size));
          this.#emitProgress();
        },
      })
      .catch(async (error: unknown) => {
        // Every attempt stored something the server describes as other bytes: the object
        // exists but cannot be trusted.
        if (error instanceof OssIntegrityError) {
          this.#completed = true;
          await this.#deleteCorruptObject();
        }
        throw error;
      });
    this.#onWire.delete(1);
    this.#completed = true;
    this.#bytesAcknowledged = part.size;
    this.#emitProgress();
    this.result = {
      bucket: this.bucket,
      key: this.key,
      size: part.size,
      etag: result.etag,
      crc64,
      partCount: 1,
      uploadId: null,
      location: undefined,
    };
  }

  async #complete(): Promise<void> {
    const uploadId = await this.#ensureInitiated();
    const parts = this.#ledger.completeList();
    const crc64 = this.#ledger.objectCrc64().toString();
    const size = this.#ledger.size;
    const result = await this.#transport.completeMultipartUpload(
      this.key,
      uploadId,
      parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag as string })),
      {
        headers: this.#options.completeHeaders,
        signal: this.#controller.signal,
        retry: this.#options.retry,
        expect: {
          partCount: parts.length,
          size,
          crc64: this.#options.checkCrc64 ? crc64 : undefined,
        },
      },
    );
    this.#completed = true;
    await this.#checkObjectCrc(crc64, result.crc64);
    this.result = {
      bucket: this.bucket,
      key: this.key,
      size,
      etag: result.etag,
      crc64,
      partCount: parts.length,
      uploadId,
      location: result.location,
    };
  }

  /** The object exists; if its CRC differs from what we sent it is corrupt: delete it. */
  async #checkObjectCrc(expected: string, returned: string | undefined): Promise<void> {
    if (!this.#options.checkCrc64 || returned === undefined || returned === expected) return;
    await this.#deleteCorruptObject();
    throw new OssIntegrityError('object-crc64', expected, returned);
  }

  async #deleteCorruptObject(): Promise<void> {
    if (!this.#options.deleteOnIntegrityError) return;
    this.#objectDeleted = await this.#transport
      .deleteObject(this.key, { signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) })
      .then(
        () => true,
        () => false,
      );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#removeSignalListener?.();
    if (this.#completed && !this.#failure && !error) {
      callback(null);
      return;
    }
    this.#cleanUp(error).then((uploadError) => {
      this.#uploadError = uploadError;
      callback(uploadError);
    });
  }

  async #cleanUp(error: Error | null): Promise<OssUploadError> {
    const cause =
      this.#failure?.error ??
      error ??
      new OssAbortError('The upload stream was destroyed before it finished');
    this.#failure ??= { error: cause, partNumber: undefined };
    this.#controller.abort(cause);
    this.#current?.discard();
    this.#current = undefined;
    this.#segments.clear();
    const held = this.#held;
    this.#held = undefined;
    held?.callback(cause as Error);

    // Let aborted requests settle, so no part lands after the upload is aborted.
    await Promise.allSettled([...this.#tasks]);
    // cleanedUp: nothing of this upload is left on the server.
    let cleanedUp: boolean;
    if (this.#completed) {
      cleanedUp = this.#objectDeleted;
    } else {
      const uploadId = this.#uploadId ?? (await this.#initiating?.catch(() => undefined));
      if (!uploadId) cleanedUp = true;
      else if (this.#options.leavePartsOnError) cleanedUp = false;
      else {
        cleanedUp = await this.#transport
          .abortMultipartUpload(this.key, uploadId, {
            signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS),
          })
          .then(
            () => true,
            () => false,
          );
      }
    }
    if (cause instanceof OssUploadError) return cause;
    return new OssUploadError({
      bucket: this.bucket,
      key: this.key,
      uploadId: this.#uploadId,
      partNumber: this.#failure.partNumber ?? (cause as { partNumber?: number }).partNumber,
      cleanedUp,
      cause,
    });
  }
}
