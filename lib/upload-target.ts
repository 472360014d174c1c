import type { OssUploadError } from './errors.ts';

/** What the object store ends up holding, as `stream.result` reports it. */
export interface UploadResult {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** CRC-64/ECMA of the object as a decimal string (computed from the bytes sent). */
  crc64: string;
  /**
   * True when the server reported the object's CRC-64 and it equals `crc64`. False when the
   * check was turned off or the server sent no CRC-64: then only the per-part MD5s vouch for it.
   */
  crc64Verified: boolean;
  partCount: number;
  /** null when the object was small enough for a single PutObject. */
  uploadId: string | null;
  location: string | undefined;
}

/** One part's bytes, sealed and hashed, as the writer hands it to the upload. */
export interface SealedPartData {
  partNumber: number;
  size: number;
  /** The part's bytes as segments, in order. */
  body: Buffer[];
  md5: Buffer;
  crc64: bigint;
}

export interface PartOutcome {
  etag: string;
  /** A resumed upload already had this part with the same bytes: nothing was sent. */
  skipped: boolean;
  /** A resumed upload had this part number with other bytes: it was sent again. */
  replaced: boolean;
}

/** Called with the bytes of the body handed to the socket so far, per attempt. */
export type SentReporter = (bytesSent: number) => void;

/**
 * The writer's only view of the object store: put parts, finish, or fail. It never sees a key,
 * an upload id, a retry option or a header; those are bound into the target when it is created.
 */
export interface UploadTarget {
  /** The multipart upload's id once it exists (shown to the user, never used by the writer). */
  readonly uploadId: string | null;
  /**
   * Runs before the first byte is cut into parts. A resumed upload answers with the part size its
   * stored parts impose (so the source is cut at the same boundaries) and always completes as
   * a multipart upload.
   */
  prepare(): Promise<{ partSize: number | undefined; multipart: boolean }>;
  /** Store a part. It is handed over while still being hashed: the target may initiate the
   * upload meanwhile, and must not send before the part is sealed. */
  putPart(part: Promise<SealedPartData>, onSent: SentReporter): Promise<PartOutcome>;
  /** Every part was acknowledged: assemble the object. */
  complete(): Promise<UploadResult>;
  /** The whole stream fit in one part: store it with one request. */
  putObject(part: SealedPartData, onSent: SentReporter): Promise<UploadResult>;
  /** Cancel every request in flight now (synchronous, so nothing new starts). */
  cancel(reason: unknown): void;
  /**
   * After a failure: wait for requests to settle, remove what was stored (unless told to keep
   * it), and describe the outcome truthfully as one error.
   */
  cleanUp(cause: unknown, partNumber: number | undefined): Promise<OssUploadError>;
}
