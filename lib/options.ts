import { OssOptionError } from './errors.ts';
import { MAX_OBJECT_SIZE, MAX_PART_SIZE, MIN_PART_SIZE } from './limits.ts';
import { validateHeader, validateHeaderRecord, validateMetaEntry } from './oss/names.ts';
import {
  boolean,
  describeType,
  integer,
  nonEmptyString,
  oneOf,
  plainObject,
  type RetryOptions,
  type RetryOptionsInput,
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
  retry?: RetryOptionsInput | undefined;
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
      'resume',
      `expected { uploadId } with a non-empty id without spaces or control characters, got uploadId ${describeType(uploadId)}`,
    );
  }
  return { uploadId };
}

/** Validate every option (its name in each message), apply defaults, map to headers. */
export function resolveUploadOptions(
  options: unknown,
  clientRetry?: RetryOptions,
): ResolvedUploadOptions {
  const o = plainObject(options === undefined ? {} : options, 'options');
  rejectUnknown(o, UPLOAD_DEFAULTS);
  const D = UPLOAD_DEFAULTS;
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new OssOptionError('signal', `expected an AbortSignal, got ${describeType(signal)}`);
  }

  const objectHeaders: Record<string, string> = {
    ...uploadHeaders(o.headers),
    ...metaHeaders(o.meta),
  };
  const contentType = nonEmptyString(o.contentType, 'contentType');
  if (contentType !== undefined) {
    validateHeader('content-type', contentType, 'contentType');
    objectHeaders['content-type'] = contentType;
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
    validateHeader('x-oss-server-side-encryption-key-id', keyId, 'serverSideEncryptionKeyId');
    objectHeaders['x-oss-server-side-encryption-key-id'] = keyId;
  }
  const tagging = taggingHeader(o.tagging);
  if (tagging !== undefined) objectHeaders['x-oss-tagging'] = tagging;

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

// --- headers, metadata and tags ---

/** Headers that have an option of their own; given as headers they would bypass it. */
const OPTION_HEADERS: Readonly<Record<string, keyof UploadOptions>> = {
  'x-oss-object-acl': 'acl',
  'x-oss-forbid-overwrite': 'forbidOverwrite',
  'x-oss-storage-class': 'storageClass',
  'x-oss-tagging': 'tagging',
  'x-oss-server-side-encryption': 'serverSideEncryption',
  'x-oss-server-side-encryption-key-id': 'serverSideEncryptionKeyId',
};

/** Headers that would make OSS copy another object instead of storing what is written. */
const COPY_HEADER = /^x-oss-(copy-source|metadata-directive|tagging-directive)/;

/** OSS limits user metadata to 8 KiB in total (names and values). */
export const MAX_META_BYTES = 8 * 1024;
/** OSS object tagging: at most 10 tags; keys 1-128 characters, values up to 256. */
export const MAX_TAGS = 10;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

function uploadHeaders(value: unknown): Record<string, string> {
  const headers = validateHeaderRecord(value, 'headers');
  for (const [given, v] of Object.entries(plainObject(value ?? {}, 'headers'))) {
    if (v === undefined) continue;
    const lower = given.toLowerCase();
    const instead = lower.startsWith('x-oss-meta-') ? 'meta' : OPTION_HEADERS[lower];
    if (instead) throw new OssOptionError(`headers.${given}`, `use the ${instead} option instead`);
    if (COPY_HEADER.test(lower)) {
      throw new OssOptionError(
        `headers.${given}`,
        'would make OSS copy another object; uploads cannot copy',
      );
    }
  }
  return headers;
}

function metaHeaders(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [name, v] of Object.entries(stringRecord(value, 'meta'))) {
    const option = `meta.${name}`;
    validateMetaEntry(name, v, option);
    const header = `x-oss-meta-${name.toLowerCase()}`;
    if (Object.hasOwn(out, header)) {
      throw new OssOptionError(option, 'is given twice (metadata names ignore case)');
    }
    bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
    out[header] = v;
  }
  if (bytes > MAX_META_BYTES) {
    throw new OssOptionError('meta', `holds ${bytes} bytes; OSS allows ${MAX_META_BYTES} in total`);
  }
  return out;
}

/** The x-oss-tagging value (`k=v&k2=v2`, each part URL-encoded), or undefined for no tags. */
function taggingHeader(value: unknown): string | undefined {
  const tags = Object.entries(stringRecord(value, 'tagging'));
  if (tags.length > MAX_TAGS) {
    throw new OssOptionError('tagging', `has ${tags.length} tags; OSS allows ${MAX_TAGS}`);
  }
  for (const [key, v] of tags) {
    const option = `tagging.${key}`;
    if (key.length < 1 || key.length > MAX_TAG_KEY_LENGTH) {
      throw new OssOptionError(option, `tag keys are 1 to ${MAX_TAG_KEY_LENGTH} characters`);
    }
    if (v.length > MAX_TAG_VALUE_LENGTH) {
      throw new OssOptionError(option, `tag values are at most ${MAX_TAG_VALUE_LENGTH} characters`);
    }
    if (!key.isWellFormed() || !v.isWellFormed()) {
      throw new OssOptionError(option, 'is not valid UTF-8 (lone surrogate)');
    }
  }
  if (tags.length === 0) return undefined;
  return tags.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}
