import { OssOptionError } from './errors.ts';
import { describeType } from './oss/names.ts';
import { type RetryOptions, validateRetryOptions } from './oss/retry.ts';
import { MAX_OBJECT_SIZE, MAX_PART_SIZE, MIN_PART_SIZE } from './parts/part-size.ts';

export type StorageClass = 'Standard' | 'IA' | 'Archive' | 'ColdArchive' | 'DeepColdArchive';
export type ObjectAcl = 'private' | 'public-read' | 'public-read-write' | 'default';
export type ServerSideEncryption = 'AES256' | 'KMS' | 'SM4';

export interface UploadOptions {
  /** Bytes per part. Default 8 MiB; 100 KiB to 5 GiB. */
  partSize?: number;
  /** Parts uploading at once. Default 4; at least 1. */
  concurrency?: number;
  /** Total length when known; raises the part size so the object fits in 10000 parts and
   * makes the stream fail if the source delivers a different number of bytes. */
  contentLength?: number;
  /** Cancels the upload (everything in flight, then AbortMultipartUpload). */
  signal?: AbortSignal;
  /** Keep the uploaded parts on failure (for a later resume). Default false. */
  leavePartsOnError?: boolean;
  /** Extra headers for Initiate / PutObject (e.g. cache-control, content-disposition). */
  headers?: Record<string, string>;
  /** User metadata, sent as x-oss-meta-<name>. */
  meta?: Record<string, string>;
  contentType?: string;
  storageClass?: StorageClass;
  acl?: ObjectAcl;
  serverSideEncryption?: ServerSideEncryption;
  /** KMS key id, only with serverSideEncryption 'KMS'. */
  serverSideEncryptionKeyId?: string;
  /** Object tags, sent as x-oss-tagging. */
  tagging?: Record<string, string>;
  /** Fail with FileAlreadyExists instead of replacing an existing object. Default false. */
  forbidOverwrite?: boolean;
  /** Retry limits for every request of this upload (defaults: the client's). */
  retry?: Partial<RetryOptions>;
  /** Compare part and object CRC-64 with the server's. Default true. */
  checkCrc64?: boolean;
  /** Delete the object when its CRC-64 does not match what was sent. Default true. */
  deleteOnIntegrityError?: boolean;
  /** Hash parts on worker threads ('workers', default) or on the calling thread ('inline'). */
  hashing?: 'workers' | 'inline';
  /** Continue an upload: parts already on the server whose MD5 matches are not sent again. */
  resume?: { uploadId: string };
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
  hashing: 'workers' | 'inline';
  resume: { uploadId: string } | undefined;
}

export const UPLOAD_DEFAULTS = {
  partSize: 8 * 1024 * 1024,
  concurrency: 4,
  leavePartsOnError: false,
  forbidOverwrite: false,
  checkCrc64: true,
  deleteOnIntegrityError: true,
  hashing: 'workers',
} as const;

const STORAGE_CLASSES = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];
const ACLS = ['private', 'public-read', 'public-read-write', 'default'];
const ENCRYPTIONS = ['AES256', 'KMS', 'SM4'];
const KNOWN = new Set([
  'partSize',
  'concurrency',
  'contentLength',
  'signal',
  'leavePartsOnError',
  'headers',
  'meta',
  'contentType',
  'storageClass',
  'acl',
  'serverSideEncryption',
  'serverSideEncryptionKeyId',
  'tagging',
  'forbidOverwrite',
  'retry',
  'checkCrc64',
  'deleteOnIntegrityError',
  'hashing',
  'resume',
]);

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new OssOptionError(name, `expected an integer, got ${describeType(value)}`);
  }
  if (value < min || value > max) {
    throw new OssOptionError(name, `${value} is out of range (${min} to ${max})`);
  }
  return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new OssOptionError(name, `expected a boolean, got ${describeType(value)}`);
  return value;
}

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly string[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new OssOptionError(
      name,
      `expected one of ${allowed.join(', ')}, got ${describeType(value)}`,
    );
  }
  return value as T;
}

function stringRecord(name: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OssOptionError(name, `expected an object of strings, got ${describeType(value)}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new OssOptionError(`${name}.${key}`, `expected a string, got ${describeType(v)}`);
    // A newline in a header value would split the request; OSS would refuse it anyway.
    if (/[\r\n]/.test(v) || /[\r\n:]/.test(key)) {
      throw new OssOptionError(`${name}.${key}`, 'must not contain CR, LF (or ":" in the name)');
    }
  }
  return value as Record<string, string>;
}

/** Validate every option (its name in each message), apply defaults, map to headers. */
export function resolveUploadOptions(
  options: unknown,
  clientRetry?: RetryOptions,
): ResolvedUploadOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OssOptionError('options', `expected an object, got ${describeType(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!KNOWN.has(name)) throw new OssOptionError(name, 'unknown option');
  }
  const partSize =
    o.partSize === undefined
      ? UPLOAD_DEFAULTS.partSize
      : integer('partSize', o.partSize, MIN_PART_SIZE, MAX_PART_SIZE);
  const concurrency =
    o.concurrency === undefined
      ? UPLOAD_DEFAULTS.concurrency
      : integer('concurrency', o.concurrency, 1, 1000);
  const contentLength =
    o.contentLength === undefined
      ? undefined
      : integer('contentLength', o.contentLength, 0, MAX_OBJECT_SIZE);
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new OssOptionError('signal', `expected an AbortSignal, got ${describeType(signal)}`);
  }

  const objectHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(stringRecord('headers', o.headers))) {
    objectHeaders[name.toLowerCase()] = value;
  }
  for (const [name, value] of Object.entries(stringRecord('meta', o.meta))) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new OssOptionError(
        `meta.${name}`,
        'metadata names may use letters, digits, "-", "_" and "." only',
      );
    }
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
  const storageClass = oneOf('storageClass', o.storageClass, STORAGE_CLASSES);
  if (storageClass) objectHeaders['x-oss-storage-class'] = storageClass;
  const encryption = oneOf('serverSideEncryption', o.serverSideEncryption, ENCRYPTIONS);
  if (encryption) objectHeaders['x-oss-server-side-encryption'] = encryption;
  if (o.serverSideEncryptionKeyId !== undefined) {
    if (encryption !== 'KMS') {
      throw new OssOptionError('serverSideEncryptionKeyId', "requires serverSideEncryption: 'KMS'");
    }
    if (typeof o.serverSideEncryptionKeyId !== 'string' || o.serverSideEncryptionKeyId === '') {
      throw new OssOptionError('serverSideEncryptionKeyId', 'expected a non-empty string');
    }
    objectHeaders['x-oss-server-side-encryption-key-id'] = o.serverSideEncryptionKeyId;
  }
  const tags = stringRecord('tagging', o.tagging);
  if (Object.keys(tags).length > 0) {
    objectHeaders['x-oss-tagging'] = Object.entries(tags)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
  }

  const completeHeaders: Record<string, string> = {};
  const acl = oneOf('acl', o.acl, ACLS);
  if (acl) {
    // GO2 sends the ACL with Complete; PutObject takes it directly (oss-protocol.md §3.1).
    completeHeaders['x-oss-object-acl'] = acl;
    objectHeaders['x-oss-object-acl'] = acl;
  }
  if (boolean('forbidOverwrite', o.forbidOverwrite, UPLOAD_DEFAULTS.forbidOverwrite)) {
    objectHeaders['x-oss-forbid-overwrite'] = 'true';
    completeHeaders['x-oss-forbid-overwrite'] = 'true';
  }

  const hashing =
    oneOf<'workers' | 'inline'>('hashing', o.hashing, ['workers', 'inline']) ??
    UPLOAD_DEFAULTS.hashing;
  let resume: { uploadId: string } | undefined;
  if (o.resume !== undefined) {
    const r = o.resume as Record<string, unknown> | null;
    if (
      r === null ||
      typeof r !== 'object' ||
      typeof r.uploadId !== 'string' ||
      r.uploadId === ''
    ) {
      throw new OssOptionError('resume', 'expected { uploadId: string }');
    }
    resume = { uploadId: r.uploadId };
  }
  return {
    partSize,
    concurrency,
    contentLength,
    signal: signal as AbortSignal | undefined,
    leavePartsOnError: boolean(
      'leavePartsOnError',
      o.leavePartsOnError,
      UPLOAD_DEFAULTS.leavePartsOnError,
    ),
    objectHeaders,
    completeHeaders,
    // Limits not given here are the client's, as documented.
    retry: o.retry === undefined ? undefined : validateRetryOptions(o.retry, 'retry', clientRetry),
    checkCrc64: boolean('checkCrc64', o.checkCrc64, UPLOAD_DEFAULTS.checkCrc64),
    deleteOnIntegrityError: boolean(
      'deleteOnIntegrityError',
      o.deleteOnIntegrityError,
      UPLOAD_DEFAULTS.deleteOnIntegrityError,
    ),
    hashing,
    resume,
  };
}
