import { OssOptionError } from './errors.ts';
import { MAX_OBJECT_SIZE, MAX_PART_SIZE, MIN_PART_SIZE } from './limits.ts';
import {
  boolean,
  describeType,
  integer,
  nonEmptyString,
  oneOf,
  plainObject,
  type RetryOptions,
  rejectUnknown,
  stringRecord,
  validateRetryOptions,
} from './validate.ts';

/** Allowed values, written once; the types below are derived from them. */
export const STORAGE_CLASSES = [
  'Standard',
  'IA',
  'Archive',
  'ColdArchive',
  'DeepColdArchive',
] as const;
export const OBJECT_ACLS = ['private', 'public-read', 'public-read-write', 'default'] as const;
export const SERVER_SIDE_ENCRYPTIONS = ['AES256', 'KMS', 'SM4'] as const;
export const HASHING_MODES = ['workers', 'inline'] as const;

export type StorageClass = (typeof STORAGE_CLASSES)[number];
export type ObjectAcl = (typeof OBJECT_ACLS)[number];
export type ServerSideEncryption = (typeof SERVER_SIDE_ENCRYPTIONS)[number];
export type HashingMode = (typeof HASHING_MODES)[number];

/** Continue a given upload, or the newest one open for the same key. */
export type ResumeOption = { uploadId: string } | 'latest';

export interface UploadOptions {
  /** Bytes per part. Default 8 MiB; 100 KiB to 5 GiB. */
  partSize?: number | undefined;
  /** Parts uploading at once. Default 4; 1 to 1000. */
  concurrency?: number | undefined;
  /** Total length when known; raises the part size so the object fits in 10000 parts and
   * makes the stream fail if the source delivers a different number of bytes. */
  contentLength?: number | undefined;
  /** Cancels the upload (everything in flight, then AbortMultipartUpload). */
  signal?: AbortSignal | undefined;
  /** Keep the uploaded parts on failure (for a later resume). Default false. */
  leavePartsOnError?: boolean | undefined;
  /** Extra headers for Initiate / PutObject (e.g. cache-control, content-disposition). */
  headers?: Record<string, string> | undefined;
  /** User metadata, sent as x-oss-meta-<name>. */
  meta?: Record<string, string> | undefined;
  contentType?: string | undefined;
  storageClass?: StorageClass | undefined;
  acl?: ObjectAcl | undefined;
  serverSideEncryption?: ServerSideEncryption | undefined;
  /** KMS key id, only with serverSideEncryption 'KMS'. */
  serverSideEncryptionKeyId?: string | undefined;
  /** Object tags, sent as x-oss-tagging. */
  tagging?: Record<string, string> | undefined;
  /** Fail with FileAlreadyExists instead of replacing an existing object. Default false. */
  forbidOverwrite?: boolean | undefined;
  /** Retry limits for every request of this upload (defaults: the client's). */
  retry?: Partial<RetryOptions> | undefined;
  /** Compare part and object CRC-64 with the server's. Default true. */
  checkCrc64?: boolean | undefined;
  /** Delete the object when its CRC-64 does not match what was sent. Default true. */
  deleteOnIntegrityError?: boolean | undefined;
  /** Hash parts on worker threads ('workers', default) or on the calling thread ('inline'). */
  hashing?: HashingMode | undefined;
  /** Continue an upload: parts already on the server whose MD5 matches are not sent again.
   * `'latest'`: the newest upload open for this key, or a new one when there is none. */
  resume?: ResumeOption | undefined;
}

export interface ResolvedUploadOptions {
  partSize: number;
  concurrency: number;
  contentLength: number | undefined;
  signal: AbortSignal | undefined;
  leavePartsOnError: boolean;
  /** Headers for InitiateMultipartUpload and PutObject. */
  objectHeaders: Record<string, string>;
  /** Headers for CompleteMultipartUpload. */
  completeHeaders: Record<string, string>;
  retry: RetryOptions | undefined;
  checkCrc64: boolean;
  deleteOnIntegrityError: boolean;
  hashing: HashingMode;
  resume: ResumeOption | undefined;
}

/**
 * Every upload option with its default (undefined: none; `retry`: the client's). Its keys are
 * the known option names, and the compiler keeps them in step with UploadOptions.
 */
export const UPLOAD_DEFAULTS = {
  partSize: 8 * 1024 * 1024,
  concurrency: 4,
  contentLength: undefined,
  signal: undefined,
  leavePartsOnError: false,
  headers: undefined,
  meta: undefined,
  contentType: undefined,
  storageClass: undefined,
  acl: undefined,
  serverSideEncryption: undefined,
  serverSideEncryptionKeyId: undefined,
  tagging: undefined,
  forbidOverwrite: false,
  retry: undefined,
  checkCrc64: true,
  deleteOnIntegrityError: true,
  hashing: 'workers',
  resume: undefined,
} as const satisfies Record<keyof UploadOptions, unknown>;

export const MAX_CONCURRENCY = 1000;

function validateResume(value: unknown): ResumeOption | undefined {
  if (value === undefined || value === 'latest') return value;
  const expected = "expected { uploadId: string } or 'latest'";
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OssOptionError('resume', `${expected}, got ${describeType(value)}`);
  }
  rejectUnknown(value, { uploadId: true }, 'resume');
  const uploadId = (value as { uploadId?: unknown }).uploadId;
  if (typeof uploadId !== 'string' || uploadId === '' || /[\u0000-\u0020\u007f]/.test(uploadId)) {
    throw new OssOptionError(
      'resume.uploadId',
      `expected a non-empty upload id without spaces or control characters, got ${describeType(uploadId)}`,
    );
  }
  return { uploadId };
}

/** Validate every option (its name in each message), apply defaults, map to headers. */
export function resolveUploadOptions(
  options: unknown,
  clientRetry?: RetryOptions,
): ResolvedUploadOptions {
  const o = plainObject(options ?? {}, 'options');
  rejectUnknown(o, UPLOAD_DEFAULTS);
  const D = UPLOAD_DEFAULTS;
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new OssOptionError('signal', `expected an AbortSignal, got ${describeType(signal)}`);
  }

  const objectHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(stringRecord(o.headers, 'headers', checkHeader))) {
    objectHeaders[name.toLowerCase()] = value;
  }
  for (const [name, value] of Object.entries(stringRecord(o.meta, 'meta', checkMeta))) {
    objectHeaders[`x-oss-meta-${name.toLowerCase()}`] = value;
  }
  if (o.contentType !== undefined) {
    if (typeof o.contentType !== 'string' || o.contentType === '' || /[\r\n]/.test(o.contentType)) {
      throw new OssOptionError(
        'contentType',
        `expected a non-empty string without CR or LF, got ${describeType(o.contentType)}`,
      );
    }
    objectHeaders['content-type'] = o.contentType;
  }
  const storageClass = oneOf(o.storageClass, 'storageClass', STORAGE_CLASSES);
  if (storageClass) objectHeaders['x-oss-storage-class'] = storageClass;
  const encryption = oneOf(o.serverSideEncryption, 'serverSideEncryption', SERVER_SIDE_ENCRYPTIONS);
  if (encryption) objectHeaders['x-oss-server-side-encryption'] = encryption;
  const keyId = nonEmptyString(o.serverSideEncryptionKeyId, 'serverSideEncryptionKeyId');
  if (keyId !== undefined) {
    if (encryption !== 'KMS') {
      throw new OssOptionError('serverSideEncryptionKeyId', "requires serverSideEncryption: 'KMS'");
    }
    objectHeaders['x-oss-server-side-encryption-key-id'] = keyId;
  }
  const tags = stringRecord(o.tagging, 'tagging', checkTag);
  if (Object.keys(tags).length > 0) {
    objectHeaders['x-oss-tagging'] = Object.entries(tags)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
  }

  const completeHeaders: Record<string, string> = {};
  const acl = oneOf(o.acl, 'acl', OBJECT_ACLS);
  if (acl) {
    // Multipart uploads take the ACL with Complete; PutObject takes it directly.
    completeHeaders['x-oss-object-acl'] = acl;
    objectHeaders['x-oss-object-acl'] = acl;
  }
  if (boolean(o.forbidOverwrite, 'forbidOverwrite', D.forbidOverwrite)) {
    objectHeaders['x-oss-forbid-overwrite'] = 'true';
    completeHeaders['x-oss-forbid-overwrite'] = 'true';
  }

  return {
    partSize: integer(
      o.partSize,
      'partSize',
      { min: MIN_PART_SIZE, max: MAX_PART_SIZE },
      D.partSize,
    ),
    concurrency: integer(
      o.concurrency,
      'concurrency',
      { min: 1, max: MAX_CONCURRENCY },
      D.concurrency,
    ),
    contentLength: integer(o.contentLength, 'contentLength', { min: 0, max: MAX_OBJECT_SIZE }),
    signal: signal as AbortSignal | undefined,
    leavePartsOnError: boolean(o.leavePartsOnError, 'leavePartsOnError', D.leavePartsOnError),
    objectHeaders,
    completeHeaders,
    // Limits not given here are the client's, as documented.
    retry: o.retry === undefined ? undefined : validateRetryOptions(o.retry, 'retry', clientRetry),
    checkCrc64: boolean(o.checkCrc64, 'checkCrc64', D.checkCrc64),
    deleteOnIntegrityError: boolean(
      o.deleteOnIntegrityError,
      'deleteOnIntegrityError',
      D.deleteOnIntegrityError,
    ),
    hashing: oneOf(o.hashing, 'hashing', HASHING_MODES, D.hashing),
    resume: validateResume(o.resume),
  };
}

// --- header rules (placeholders until the header validation lands) ---

function checkHeader(name: string, value: string, option: string): void {
  // A newline in a header value would split the request; OSS would refuse it anyway.
  if (/[\r\n]/.test(value) || /[\r\n:]/.test(name)) {
    throw new OssOptionError(option, 'must not contain CR, LF (or ":" in the name)');
  }
}

function checkMeta(name: string, value: string, option: string): void {
  checkHeader(name, value, option);
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new OssOptionError(
      option,
      'metadata names may use letters, digits, "-", "_" and "." only',
    );
  }
}

function checkTag(name: string, value: string, option: string): void {
  void name;
  void value;
  void option;
}
