import type { Readable } from 'node:stream';
import type { RetryOptions } from './retry.ts';

/** A request body that can be replayed on every attempt without copying its bytes. */
export type RequestBody = Buffer | readonly Buffer[];

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Retry limits for this call; the ones not given are the client's. */
  retry?: Partial<RetryOptions> | undefined;
  /** Extra request headers (lower- or mixed-case names). */
  headers?: Record<string, string> | undefined;
  /** Called with the 1-based number of each attempt as it is sent (signed, about to go out). */
  onAttempt?: ((attemptNumber: number) => void) | undefined;
}

export interface UploadPartOptions extends CallOptions {
  /** Base64 MD5 of the body; sent as Content-MD5 and compared with the returned ETag. */
  contentMd5?: string | undefined;
  /** CRC-64 of the body; compared with x-oss-hash-crc64ecma when the server sends it. */
  crc64?: bigint | undefined;
  onUploadProgress?: ((bytesSent: number) => void) | undefined;
}

export interface PartResult {
  partNumber: number;
  etag: string;
  /** Decimal CRC-64 the server computed, when it sent one. */
  crc64: string | undefined;
}

export interface PutObjectResult {
  etag: string;
  crc64: string | undefined;
  versionId: string | undefined;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface CompleteResult {
  bucket: string;
  key: string;
  etag: string;
  crc64: string | undefined;
  location: string | undefined;
  versionId: string | undefined;
  /** True when the response was lost and the object was confirmed by HeadObject instead. */
  recoveredByHead: boolean;
}

export interface CompleteOptions extends CallOptions {
  /** Used when a retried Complete answers NoSuchUpload: the object counts as completed by
   * our earlier attempt only if HeadObject matches all of these. */
  expect?: { partCount: number; crc64?: string | undefined; size?: number | undefined } | undefined;
}

export interface ListedPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: string | undefined;
  crc64: string | undefined;
}

export interface ListedUpload {
  key: string;
  uploadId: string;
  initiated: string | undefined;
}

export interface ObjectHead {
  contentLength: number;
  etag: string;
  crc64: string | undefined;
  objectType: string | undefined;
  contentType: string | undefined;
  lastModified: string | undefined;
  storageClass: string | undefined;
  /** x-oss-meta-* values, keyed without the prefix. */
  meta: Record<string, string>;
  headers: Record<string, string | undefined>;
}

export interface GetObjectResult extends ObjectHead {
  status: number;
  body: Readable;
}

/** Options of the listing operations. */
export interface ListOptions extends CallOptions {
  /** Entries per page asked of the server (max-parts / max-uploads). */
  pageSize?: number | undefined;
  /** Pages followed at most before failing; default 10000. */
  maxPages?: number | undefined;
}
