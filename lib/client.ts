import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inlineHashEngine, WorkerHashPool } from './checksum/part-hasher.ts';
import { OssAbortError, OssClientClosedError, OssOptionError, OssUploadError } from './errors.ts';
import { resolveUploadOptions, type UploadOptions } from './options.ts';
import type { OssClientOptions } from './oss/client-options.ts';
import { MultipartUpload } from './oss/multipart-upload.ts';
import { validateObjectKey } from './oss/names.ts';
import { OssTransport } from './oss/transport.ts';
import type { ListedUpload } from './oss/types.ts';
import { MemoryBudget } from './parts/memory-budget.ts';
import { partSizeForLength } from './parts/part-size.ts';
import { toSource, type UploadBody } from './upload-body.ts';
import { UploadStream } from './upload-stream.ts';
import type { UploadResult } from './upload-target.ts';
import { describeType, plainObject, rejectUnknown } from './validate.ts';

/** Which in-progress uploads `listUploads`/`abortUploads` act on (all given filters must hold). */
export interface UploadFilter {
  /** Keys starting with this. */
  prefix?: string | undefined;
  /** Exactly this key. */
  key?: string | undefined;
  /** Initiated before this moment. */
  initiatedBefore?: Date | undefined;
  signal?: AbortSignal | undefined;
}

/** An in-progress multipart upload on the server. */
export interface UploadSummary {
  key: string;
  uploadId: string;
  initiated: Date | undefined;
}

/** What the client holds right now, for operators watching the memory budget work. */
export interface ClientStats {
  /** Upload streams created and not yet closed. */
  uploadsInFlight: number;
  /** Bytes of part data reserved by all uploads of this client. */
  bytesHeld: number;
  /** Bytes uploads are waiting to reserve (their writers are held meanwhile). */
  bytesWaiting: number;
  /** The most ever held at once. */
  peakBytesHeld: number;
  memoryLimit: number;
}

const FILTER_FIELDS = { prefix: true, key: true, initiatedBefore: true, signal: true };

function validateFilter(filter: unknown): UploadFilter {
  if (filter === undefined) return {};
  const given = plainObject(filter, 'filter');
  rejectUnknown(given, FILTER_FIELDS);
  for (const name of ['prefix', 'key'] as const) {
    if (given[name] !== undefined && typeof given[name] !== 'string') {
      throw new OssOptionError(name, `expected a string, got ${describeType(given[name])}`);
    }
  }
  const before = given.initiatedBefore;
  if (before !== undefined && (!(before instanceof Date) || Number.isNaN(before.getTime()))) {
    throw new OssOptionError(
      'initiatedBefore',
      `expected a valid Date, got ${describeType(before)}`,
    );
  }
  if (given.signal !== undefined && !(given.signal instanceof AbortSignal)) {
    throw new OssOptionError(
      'signal',
      `expected an AbortSignal, got ${describeType(given.signal)}`,
    );
  }
  return given as UploadFilter;
}

/**
 * The public client: the OSS operations (through the transport it holds), streaming uploads,
 * one memory budget shared by all of them, and a clean shutdown.
 */
export class OssClient {
  readonly #transport: OssTransport;
  readonly #budget: MemoryBudget;
  readonly #streams = new Set<UploadStream>();
  #hashPool: WorkerHashPool | undefined;
  #state: 'open' | 'closed' | 'destroyed' = 'open';
  #shutdown: Promise<void> | undefined;

  constructor(options: OssClientOptions) {
    this.#transport = new OssTransport(options);
    this.#budget = new MemoryBudget(this.#transport.options.memoryLimit);
  }

  get bucket(): string {
    return this.#transport.bucket;
  }

  /** Server time minus local time, as learned from a RequestTimeTooSkewed answer. */
  get clockOffsetMs(): number {
    return this.#transport.clockOffsetMs;
  }

  #assertOpen(operation: string): void {
    if (this.#state !== 'open') throw new OssClientClosedError(operation);
  }

  initiateMultipartUpload(...args: Parameters<OssTransport['initiateMultipartUpload']>) {
    return this.#transport.initiateMultipartUpload(...args);
  }

  uploadPart(...args: Parameters<OssTransport['uploadPart']>) {
    return this.#transport.uploadPart(...args);
  }

  completeMultipartUpload(...args: Parameters<OssTransport['completeMultipartUpload']>) {
    return this.#transport.completeMultipartUpload(...args);
  }

  abortMultipartUpload(...args: Parameters<OssTransport['abortMultipartUpload']>) {
    return this.#transport.abortMultipartUpload(...args);
  }

  listParts(...args: Parameters<OssTransport['listParts']>) {
    return this.#transport.listParts(...args);
  }

  listMultipartUploads(...args: Parameters<OssTransport['listMultipartUploads']>) {
    return this.#transport.listMultipartUploads(...args);
  }

  putObject(...args: Parameters<OssTransport['putObject']>) {
    return this.#transport.putObject(...args);
  }

  headObject(...args: Parameters<OssTransport['headObject']>) {
    return this.#transport.headObject(...args);
  }

  getObject(...args: Parameters<OssTransport['getObject']>) {
    return this.#transport.getObject(...args);
  }

  getObjectBuffer(...args: Parameters<OssTransport['getObjectBuffer']>) {
    return this.#transport.getObjectBuffer(...args);
  }

  deleteObject(...args: Parameters<OssTransport['deleteObject']>) {
    return this.#transport.deleteObject(...args);
  }

  /** In-progress multipart uploads matching every filter given, following all pages. */
  async listUploads(filter?: UploadFilter): Promise<UploadSummary[]> {
    const { prefix, key, initiatedBefore, signal } = validateFilter(filter);
    const listed: ListedUpload[] = await this.#transport.listMultipartUploads({
      prefix: key ?? prefix,
      signal,
    });
    const summaries: UploadSummary[] = [];
    for (const upload of listed) {
      if (key !== undefined && upload.key !== key) continue;
      if (prefix !== undefined && !upload.key.startsWith(prefix)) continue;
      const initiated = upload.initiated === undefined ? undefined : new Date(upload.initiated);
      if (initiatedBefore !== undefined) {
        if (!initiated || !(initiated.getTime() < initiatedBefore.getTime())) continue;
      }
      summaries.push({ key: upload.key, uploadId: upload.uploadId, initiated });
    }
    return summaries;
  }

  /** Abort every in-progress upload matching the filters; resolves with those aborted. */
  async abortUploads(filter?: UploadFilter): Promise<UploadSummary[]> {
    const uploads = await this.listUploads(filter);
    const signal = filter?.signal;
    for (const upload of uploads) {
      await this.#transport.abortMultipartUpload(upload.key, upload.uploadId, { signal });
    }
    return uploads;
  }

  #hashEngine(hashing: 'workers' | 'inline') {
    if (hashing === 'inline') return inlineHashEngine;
    this.#hashPool ??= new WorkerHashPool();
    return this.#hashPool;
  }

  /**
   * A Writable that uploads everything written to it as `key`. `await pipeline(source, stream)`
   * resolves once the object exists; `stream.result` then describes it. Options and the key
   * are validated here, before anything is sent.
   */
  createUploadStream(key: string, options?: UploadOptions): UploadStream {
    this.#assertOpen('createUploadStream');
    const validKey = validateObjectKey(key);
    const resolved = resolveUploadOptions(options, this.#transport.options.retry);
    const { partSize, contentLength } = resolved;
    const firstPart =
      contentLength === undefined ? partSize : partSizeForLength(partSize, contentLength);
    if (firstPart > this.#budget.limit) {
      throw new OssOptionError(
        'partSize',
        `parts of ${firstPart} bytes do not fit in the client's memoryLimit of ${this.#budget.limit} bytes`,
      );
    }
    let stream: UploadStream | undefined;
    const handle = new MultipartUpload(this.#transport, validKey, {
      objectHeaders: resolved.objectHeaders,
      completeHeaders: resolved.completeHeaders,
      retry: resolved.retry,
      checkCrc64: resolved.checkCrc64,
      deleteOnIntegrityError: resolved.deleteOnIntegrityError,
      leavePartsOnError: resolved.leavePartsOnError,
      resume: resolved.resume,
      onInitiated: (uploadId) => stream?.emit('initiated', { uploadId }),
    });
    stream = new UploadStream(handle, {
      bucket: this.bucket,
      key: validKey,
      partSize,
      concurrency: resolved.concurrency,
      contentLength,
      hashEngine: this.#hashEngine(resolved.hashing),
      budget: this.#budget.account(),
      signal: resolved.signal,
    });
    const created = stream;
    this.#streams.add(created);
    created.once('close', () => this.#streams.delete(created));
    return created;
  }

  /**
   * Promise form: stream `body` into `key`. Rejects with one OssUploadError, after the clean-up
   * on the server has finished; a body of an unsupported type is an OssWriteError.
   */
  async upload(key: string, body: UploadBody, options?: UploadOptions): Promise<UploadResult> {
    const source = toSource(body);
    const stream = this.createUploadStream(key, options);
    try {
      await pipeline(source as Readable, stream);
    } catch (error) {
      // pipeline reports the first error (often the source's) and may settle before the
      // stream's clean-up has finished; the stream's own error says what happened to the upload.
      await closed(stream);
      if (stream.uploadError) throw stream.uploadError;
      if (error instanceof OssUploadError) throw error;
      throw new OssUploadError({
        bucket: this.bucket,
        key: stream.key,
        uploadId: stream.uploadId,
        cleanedUp: false,
        cause: error,
      });
    }
    // Belt and braces: a stream closed without a result never counts as a success.
    if (!stream.result) {
      throw (
        stream.uploadError ??
        new OssUploadError({
          bucket: this.bucket,
          key: stream.key,
          uploadId: stream.uploadId,
          cleanedUp: false,
          cause: new OssAbortError('The upload stream closed before the object existed'),
        })
      );
    }
    return stream.result;
  }

  /** Uploads in flight and the memory budget they share. */
  stats(): ClientStats {
    return {
      uploadsInFlight: this.#streams.size,
      bytesHeld: this.#budget.held,
      bytesWaiting: this.#budget.waiting,
      peakBytesHeld: this.#budget.peakHeld,
      memoryLimit: this.#budget.limit,
    };
  }

  /**
   * Stop taking new uploads, wait for those in flight to finish (each succeeds or fails on its
   * own), then release sockets and hash workers. Idempotent.
   */
  close(): Promise<void> {
    if (this.#state === 'open') {
      this.#state = 'closed';
      this.#shutdown = this.#release(() => Promise.all([...this.#streams].map(closed)));
    }
    return this.#shutdown as Promise<void>;
  }

  /**
   * Abort every upload in flight (each aborted on the server, within a bounded time), then
   * release sockets and hash workers. Without `error`, streams not yet ended close without an
   * 'error' event (their `uploadError` says they were aborted). Idempotent.
   */
  destroy(error?: Error): Promise<void> {
    if (this.#state === 'destroyed') return this.#shutdown as Promise<void>;
    const closing = this.#shutdown;
    this.#state = 'destroyed';
    this.#shutdown = this.#release(async () => {
      const streams = [...this.#streams];
      for (const stream of streams) stream.destroy(error);
      await Promise.all(streams.map(closed));
      await closing;
    }, 'abort');
    return this.#shutdown;
  }

  async #release(
    drain: () => Promise<unknown>,
    requests: 'wait' | 'abort' = 'wait',
  ): Promise<void> {
    await drain();
    if (requests === 'abort') this.#transport.destroy();
    else await this.#transport.close();
    await this.#hashPool?.close();
  }
}

function closed(stream: UploadStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}
