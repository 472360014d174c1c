import { etagToMd5Hex } from '../checksum/md5.ts';
import { OssAbortError, OssIntegrityError, OssResponseError, OssUploadError } from '../errors.ts';
import type { RetryOptions } from './retry.ts';
import { PartLedger } from '../parts/ledger.ts';
import type {
  PartOutcome,
  SealedPartData,
  SentReporter,
  UploadResult,
  UploadTarget,
} from '../upload-target.ts';
import { matchesCompleted } from './integrity.ts';
import type { OssTransport } from './transport.ts';
import type { ListedPart, ListedUpload, ObjectHead } from './types.ts';

/** Deadline for each clean-up request sent after a failure. */
export const CLEANUP_TIMEOUT_MS = 10_000;

/**
 * Uploads whose Initiate may have been ours although we never saw the answer: those of the same
 * key initiated from this long before our first Initiate attempt (server and local clocks differ
 * by a few seconds at most where OSS accepts our signatures at all).
 */
const ORPHAN_WINDOW_MS = 30_000;

export interface MultipartUploadOptions {
  /** Headers for InitiateMultipartUpload and PutObject. */
  objectHeaders: Record<string, string>;
  /** Headers for CompleteMultipartUpload. */
  completeHeaders: Record<string, string>;
  retry: RetryOptions | undefined;
  checkCrc64: boolean;
  deleteOnIntegrityError: boolean;
  leavePartsOnError: boolean;
  resume: { uploadId: string } | 'latest' | undefined;
  /** Told the upload id as soon as the multipart upload exists. */
  onInitiated?: ((uploadId: string) => void) | undefined;
}

function isNoSuchKey(error: unknown): boolean {
  return (
    error instanceof OssResponseError && (error.status === 404 || error.ossCode === 'NoSuchKey')
  );
}

/** A 200 whose body was not the answer we asked for (an error document, HTML, no ETag). */
function isMalformedSuccess(error: unknown): boolean {
  return error instanceof OssResponseError && error.status >= 200 && error.status < 300;
}

function md5Hex(md5: Buffer): string {
  return md5.toString('hex').toUpperCase();
}

/**
 * The part size a resumed upload must keep: the size of its full parts, read from the largest
 * part stored among the first 1000 (the size schedule only grows after that). Undefined when the
 * server holds no part that proves it.
 */
export function partSizeOfStoredParts(parts: readonly ListedPart[]): number | undefined {
  const first = parts.filter((p) => p.partNumber <= 1000);
  if (first.length === 0) return undefined;
  return Math.max(...first.map((p) => p.size));
}

/**
 * One upload's state and its conversation with OSS: lazy Initiate, the part ledger, the resume
 * listing, UploadPart, Complete (ledger check, object CRC-64, lost-answer recovery by HEAD),
 * PutObject for a stream that fit in one part, and the clean-up after a failure. Retry limits,
 * headers and the cancellation signal are bound here once; the writer never sees them.
 */
export class MultipartUpload implements UploadTarget {
  readonly key: string;
  readonly #transport: OssTransport;
  readonly #options: MultipartUploadOptions;
  readonly #controller = new AbortController();
  readonly #ledger = new PartLedger();
  /** Every request of ours that may still be running, so clean-up starts after they settle. */
  readonly #pending = new Set<Promise<unknown>>();

  #uploadId: string | null = null;
  #initiating: Promise<string> | undefined;
  /** Server time (ms) just before our first Initiate attempt, once one was sent. */
  #initiateSentAt: number | undefined;
  #initiateAttempts = 0;
  /** Uploads our unanswered Initiate attempts may have left are known to be gone. */
  #orphansCleared = true;
  #storedParts: Map<number, ListedPart> | undefined;
  /** A Complete or PutObject attempt started: the object may exist whatever we heard back. */
  #objectRequested = false;
  /** Parts that make up the object for the HEAD check, when an object request was sent. */
  #expectedObject:
    | { multipart: boolean; size: number; partCount: number; md5?: string }
    | undefined;
  /** The object exists (success, or it was stored but failed its CRC check). */
  #objectStored = false;
  #objectDeleted = false;

  constructor(transport: OssTransport, key: string, options: MultipartUploadOptions) {
    this.#transport = transport;
    this.key = key;
    this.#options = options;
  }

  get uploadId(): string | null {
    return this.#uploadId;
  }

  get #signal(): AbortSignal {
    return this.#controller.signal;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    const forget = () => this.#pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async prepare(): Promise<{ partSize: number | undefined; multipart: boolean }> {
    const { resume } = this.#options;
    if (resume === undefined) return { partSize: undefined, multipart: false };
    let uploadId: string;
    if (resume === 'latest') {
      const newest = await this.#track(this.#newestUploadOfKey());
      if (!newest) return { partSize: undefined, multipart: false };
      uploadId = newest.uploadId;
    } else {
      uploadId = resume.uploadId;
    }
    const parts = await this.#track(
      this.#transport.listParts(this.key, uploadId, {
        signal: this.#signal,
        retry: this.#options.retry,
      }),
    );
    this.#uploadId = uploadId;
    this.#storedParts = new Map(parts.map((p) => [p.partNumber, p]));
    this.#options.onInitiated?.(uploadId);
    return { partSize: partSizeOfStoredParts(parts), multipart: true };
  }

  async #newestUploadOfKey(): Promise<ListedUpload | undefined> {
    const uploads = await this.#uploadsOfKey();
    let newest: ListedUpload | undefined;
    for (const upload of uploads) {
      if (!newest || Date.parse(upload.initiated ?? '') > Date.parse(newest.initiated ?? '')) {
        newest = upload;
      }
    }
    return newest;
  }

  async #uploadsOfKey(signal: AbortSignal = this.#signal): Promise<ListedUpload[]> {
    const uploads = await this.#transport.listMultipartUploads({
      prefix: this.key,
      signal,
      retry: this.#options.retry,
    });
    return uploads.filter((u) => u.key === this.key);
  }

  /** Initiate on the first part, so a stream smaller than one part is a single PutObject. */
  #ensureInitiated(): Promise<string> {
    if (this.#uploadId) return Promise.resolve(this.#uploadId);
    this.#initiating ??= this.#track(this.#initiate());
    return this.#initiating;
  }

  async #initiate(): Promise<string> {
    const { uploadId } = await this.#transport.initiateMultipartUpload(this.key, {
      headers: this.#options.objectHeaders,
      retry: this.#options.retry,
      signal: this.#signal,
      onAttempt: (attempt) => {
        this.#initiateAttempts = attempt;
        if (attempt === 1) this.#initiateSentAt = Date.now() + this.#transport.clockOffsetMs;
        // An attempt whose answer we lose may still create an upload on the server.
        this.#orphansCleared = false;
      },
    });
    this.#uploadId = uploadId;
    if (this.#initiateAttempts <= 1) this.#orphansCleared = true;
    else await this.#abortOrphans(this.#signal).catch(() => undefined);
    this.#options.onInitiated?.(uploadId);
    return uploadId;
  }

  /**
   * Uploads of this key that unanswered Initiate attempts of ours may have created: all uploads
   * of the key initiated since just before our first attempt, except the one we use. Returns
   * whether every one of them is known to be gone.
   */
  async #abortOrphans(signal: AbortSignal): Promise<boolean> {
    const since = (this.#initiateSentAt ?? Date.now()) - ORPHAN_WINDOW_MS;
    const uploads = await this.#uploadsOfKey(signal);
    let cleared = true;
    for (const upload of uploads) {
      // Ours is completed, aborted or kept by the caller's own rules, never here.
      if (upload.uploadId === this.#uploadId) continue;
      const initiated = Date.parse(upload.initiated ?? '');
      if (!Number.isNaN(initiated) && initiated < since) continue;
      cleared =
        (await this.#transport.abortMultipartUpload(this.key, upload.uploadId, { signal }).then(
          () => true,
          () => false,
        )) && cleared;
    }
    this.#orphansCleared = cleared;
    return cleared;
  }

  putPart(part: Promise<SealedPartData>, onSent: SentReporter): Promise<PartOutcome> {
    return this.#track(this.#putPart(part, onSent));
  }

  async #putPart(sealing: Promise<SealedPartData>, onSent: SentReporter): Promise<PartOutcome> {
    // Initiate while the first part is still hashing: the two overlap instead of adding up.
    const [uploadId, part] = await Promise.all([this.#ensureInitiated(), sealing]);
    const { partNumber, size } = part;
    const md5 = md5Hex(part.md5);
    this.#ledger.record({ partNumber, size, md5, crc64: part.crc64 });
    const stored = this.#storedParts?.get(partNumber);
    if (stored && stored.size === size && etagToMd5Hex(stored.etag) === md5) {
      this.#ledger.acknowledge(partNumber, stored.etag);
      return { etag: stored.etag, skipped: true, replaced: false };
    }
    const result = await this.#transport.uploadPart(this.key, uploadId, partNumber, part.body, {
      contentMd5: part.md5.toString('base64'),
      crc64: this.#options.checkCrc64 ? part.crc64 : undefined,
      signal: this.#signal,
      retry: this.#options.retry,
      onUploadProgress: onSent,
    });
    this.#ledger.acknowledge(partNumber, result.etag);
    return { etag: result.etag, skipped: false, replaced: stored !== undefined };
  }

  complete(): Promise<UploadResult> {
    return this.#track(this.#complete());
  }

  async #complete(): Promise<UploadResult> {
    const uploadId = await this.#ensureInitiated();
    const parts = this.#ledger.completeList();
    const { size } = this.#ledger;
    const crc64 = this.#ledger.objectCrc64().toString();
    const expect = {
      partCount: parts.length,
      size,
      crc64: this.#options.checkCrc64 ? crc64 : undefined,
    };
    this.#expectedObject = { multipart: true, size, partCount: parts.length };
    let result: { etag: string; crc64: string | undefined; location: string | undefined };
    try {
      result = await this.#transport.completeMultipartUpload(
        this.key,
        uploadId,
        parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag as string })),
        {
          headers: this.#options.completeHeaders,
          signal: this.#signal,
          retry: this.#options.retry,
          expect,
          onAttempt: () => {
            this.#objectRequested = true;
          },
        },
      );
    } catch (error) {
      // A 200 that is not a Complete answer says nothing either way: believe only HEAD.
      if (!isMalformedSuccess(error)) throw error;
      const head = await this.#head(this.#signal);
      if (!head || !this.#isOurObject(head)) throw error;
      result = { etag: head.etag, crc64: head.crc64, location: undefined };
    }
    this.#objectStored = true;
    const crc64Verified = await this.#checkObjectCrc(crc64, result.crc64);
    return {
      bucket: this.#transport.bucket,
      key: this.key,
      size,
      etag: result.etag,
      crc64,
      crc64Verified,
      partCount: parts.length,
      uploadId,
      location: result.location,
    };
  }

  /** The object exists; if its CRC-64 differs from what we sent it is corrupt: delete it. */
  async #checkObjectCrc(expected: string, returned: string | undefined): Promise<boolean> {
    if (!this.#options.checkCrc64 || returned === undefined) return false;
    if (returned === expected) return true;
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

  putObject(part: SealedPartData, onSent: SentReporter): Promise<UploadResult> {
    return this.#track(this.#putObject(part, onSent));
  }

  async #putObject(part: SealedPartData, onSent: SentReporter): Promise<UploadResult> {
    const md5 = md5Hex(part.md5);
    this.#expectedObject = { multipart: false, size: part.size, partCount: 1, md5 };
    const crc64 = part.crc64.toString();
    let result: { etag: string; crc64: string | undefined };
    try {
      result = await this.#transport.putObject(this.key, part.body, {
        contentMd5: part.md5.toString('base64'),
        crc64: this.#options.checkCrc64 ? part.crc64 : undefined,
        headers: this.#options.objectHeaders,
        signal: this.#signal,
        retry: this.#options.retry,
        onUploadProgress: onSent,
        onAttempt: () => {
          this.#objectRequested = true;
        },
      });
    } catch (error) {
      // Every attempt stored something the server describes as other bytes: the object exists
      // but cannot be trusted.
      if (error instanceof OssIntegrityError) {
        this.#objectStored = true;
        await this.#deleteCorruptObject();
      }
      throw error;
    }
    this.#objectStored = true;
    return {
      bucket: this.#transport.bucket,
      key: this.key,
      size: part.size,
      etag: result.etag,
      crc64,
      crc64Verified: this.#options.checkCrc64 && result.crc64 !== undefined,
      partCount: 1,
      uploadId: null,
      location: undefined,
    };
  }

  async #head(signal: AbortSignal): Promise<ObjectHead | undefined> {
    try {
      return await this.#transport.headObject(this.key, { signal });
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  /** Does the object at our key look exactly like the one our request would have made? */
  #isOurObject(head: ObjectHead): boolean {
    const expected = this.#expectedObject;
    if (!expected) return false;
    if (expected.multipart) {
      return matchesCompleted(head, { partCount: expected.partCount, size: expected.size });
    }
    return head.contentLength === expected.size && etagToMd5Hex(head.etag) === expected.md5;
  }

  cancel(reason: unknown): void {
    this.#controller.abort(reason);
  }

  async cleanUp(cause: unknown, partNumber: number | undefined): Promise<OssUploadError> {
    this.cancel(cause);
    // Let aborted requests settle, so nothing lands after the clean-up has looked.
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    const cleanedUp = await this.#removeWhatWasStored().catch(() => false);
    if (cause instanceof OssUploadError) return cause;
    return new OssUploadError({
      bucket: this.#transport.bucket,
      key: this.key,
      uploadId: this.#uploadId,
      partNumber: partNumber ?? (cause as { partNumber?: number } | null)?.partNumber,
      cleanedUp,
      cause: cause ?? new OssAbortError('The upload was stopped before it finished'),
    });
  }

  /** True only when nothing of this upload is left on the server, as far as OSS can tell us. */
  async #removeWhatWasStored(): Promise<boolean> {
    const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
    if (this.#objectStored) return this.#objectDeleted;
    let clean = true;
    if (this.#uploadId !== null) {
      if (this.#options.leavePartsOnError) clean = false;
      else {
        clean = await this.#transport
          .abortMultipartUpload(this.key, this.#uploadId, { signal })
          .then(
            () => true,
            () => false,
          );
      }
    }
    if (!this.#orphansCleared) clean = (await this.#abortOrphans(signal)) && clean;
    if (this.#objectRequested) {
      // NoSuchUpload from Abort proves nothing when a Complete or PutObject was on its way:
      // the object may exist. Only HEAD can say.
      const head = await this.#head(signal);
      if (head && this.#isOurObject(head)) clean = false;
    }
    return clean;
  }
}
