import type { OutgoingHttpHeaders } from 'node:http';
import { base64ToMd5Hex } from '../../checksum/md5.ts';
import type { Blob } from '../blob-store.ts';
import { receiveInto } from '../body.ts';
import type { RequestContext } from '../context.ts';
import {
  EmulatorError,
  entityTooLarge,
  invalidArgument,
  invalidDigestMalformed,
  invalidDigestMismatch,
  missingContentLength,
  noSuchUpload,
} from '../errors.ts';
import { checkObjectKey, urlEncode } from '../names.ts';
import type { BucketState, StoredObject, Upload } from '../state.ts';

/** Metadata headers stored at Initiate/PutObject and returned by HEAD/GET. */
const STORED_HEADERS = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-oss-storage-class',
  'x-oss-server-side-encryption',
  'x-oss-server-side-encryption-key-id',
  'x-oss-server-side-data-encryption',
  'x-oss-object-acl',
  'x-oss-tagging',
];

const ALLOWED_VALUES: Record<string, readonly string[]> = {
  'x-oss-storage-class': ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'],
  'x-oss-server-side-encryption': ['AES256', 'KMS', 'SM4'],
  'x-oss-server-side-data-encryption': ['SM4'],
  'x-oss-object-acl': ['private', 'public-read', 'public-read-write', 'default'],
};

function checkValue(name: string, value: string): void {
  const allowed = ALLOWED_VALUES[name];
  if (allowed && !allowed.includes(value)) {
    throw invalidArgument(`Invalid ${name} value: ${value}`, name, value);
  }
}

/** The server-side encryption headers: chosen at Initiate or PutObject, echoed afterwards. */
const SSE_HEADERS = [
  'x-oss-server-side-encryption',
  'x-oss-server-side-encryption-key-id',
  'x-oss-server-side-data-encryption',
];

/** A KMS key id or SM4 data encryption only makes sense with KMS encryption. */
function checkEncryption(meta: Record<string, string>): void {
  if (meta['x-oss-server-side-encryption'] === 'KMS') return;
  for (const name of ['x-oss-server-side-encryption-key-id', 'x-oss-server-side-data-encryption']) {
    const value = meta[name];
    if (value !== undefined) {
      throw invalidArgument(`${name} requires x-oss-server-side-encryption: KMS`, name, value);
    }
  }
}

/** The metadata a request asks to store, validated; content-type defaults like OSS. */
export function metadataFrom(headers: Record<string, string>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (STORED_HEADERS.includes(name) || name.startsWith('x-oss-meta-')) {
      checkValue(name, value);
      meta[name] = value;
    }
  }
  checkEncryption(meta);
  meta['content-type'] ??= 'application/octet-stream';
  return meta;
}

/** Encryption is chosen for the whole upload at Initiate; a part cannot carry its own. */
export function refuseEncryptionOnPart(headers: Record<string, string>): void {
  for (const name of SSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) {
      throw invalidArgument(`${name} is not allowed on UploadPart`, name, value);
    }
  }
}

/** Headers of the Complete request that change the object (ACL and tagging). */
export function completeOverrides(headers: Record<string, string>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const name of ['x-oss-object-acl', 'x-oss-tagging']) {
    const value = headers[name];
    if (value !== undefined) {
      checkValue(name, value);
      meta[name] = value;
    }
  }
  return meta;
}

/** SSE headers are echoed by Initiate, UploadPart, Complete and PutObject when chosen. */
export function sseHeaders(meta: Record<string, string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of SSE_HEADERS) {
    if (meta[name] !== undefined) out[name] = meta[name];
  }
  return out;
}

/** Response headers describing a stored object (HEAD and GET). */
export function objectHeaders(object: StoredObject): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...object.headers };
  out['x-oss-storage-class'] ??= 'Standard';
  const tagging = object.headers['x-oss-tagging'];
  if (tagging) out['x-oss-tagging-count'] = String(tagging.split('&').filter(Boolean).length);
  out['last-modified'] = object.lastModified.toUTCString();
  out['x-oss-object-type'] = object.type;
  out['accept-ranges'] = 'bytes';
  if (object.contentMd5) out['content-md5'] = object.contentMd5;
  return out;
}

export function forbidOverwrite(headers: Record<string, string>): boolean {
  return headers['x-oss-forbid-overwrite']?.toLowerCase() === 'true';
}

/**
 * The declared body length. PUT bodies need Content-Length (411 otherwise); PutObject also
 * accepts chunked transfer encoding, as OSS does for streams of unknown length. When a request
 * carries both, the chunked framing wins (HTTP/1.1 says so, and OSS accepts such requests from
 * the official SDK): the length is what arrives.
 */
export function declaredLength(
  ctx: RequestContext,
  options: { allowChunked: boolean; max: number },
): number | undefined {
  const header = ctx.headers['content-length'];
  const chunked = /chunked/i.test(ctx.headers['transfer-encoding'] ?? '');
  if (header === undefined) {
    if (chunked && options.allowChunked) return undefined;
    throw missingContentLength();
  }
  const length = Number(header);
  if (length > options.max) throw entityTooLarge();
  return chunked ? undefined : length;
}

/** The Content-MD5 a request declares, as uppercase hex; malformed → InvalidDigest. */
export function declaredMd5(headers: Record<string, string>): string | undefined {
  const value = headers['content-md5'];
  if (value === undefined) return undefined;
  const hex = base64ToMd5Hex(value.trim());
  if (!hex) throw invalidDigestMalformed();
  return hex;
}

/** `encoding-type=url` switches key fields to percent-encoding. */
export function keyEncoder(query: Record<string, string>): ((value: string) => string) | undefined {
  const type = query['encoding-type'];
  if (type === undefined) return undefined;
  if (type !== 'url') throw invalidArgument('encoding-type must be url', 'encoding-type', type);
  return urlEncode;
}

export function requireObjectKey(ctx: RequestContext): string {
  checkObjectKey(ctx.target.key, ctx.target.keyBytes);
  return ctx.target.key;
}

/** The upload named by `uploadId`; it must belong to this bucket and key. */
export function findUpload(ctx: RequestContext, bucket: BucketState, key: string): Upload {
  const uploadId = ctx.query['uploadId'] ?? '';
  const upload = bucket.uploads.get(uploadId);
  if (!upload || upload.key !== key) throw noSuchUpload(uploadId);
  return upload;
}

/** A non-negative integer query parameter with a default and a cap (max-parts, max-uploads). */
export function integerParam(
  query: Record<string, string>,
  name: string,
  fallback: number,
  cap: number,
): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > Number.MAX_SAFE_INTEGER) {
    throw invalidArgument(`${name} must be a non-negative integer`, name, raw);
  }
  return Math.min(Number(raw), cap);
}

export const incompleteBody = () =>
  new EmulatorError(
    400,
    'IncompleteBody',
    'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  );

/** A request body in the store, after its declared length and Content-MD5 were checked. */
export interface CheckedBody {
  blob: Blob;
  size: number;
  /** Uppercase hex MD5 (from the bytes, or on the fast path from Content-MD5). */
  md5Hex: string;
  md5Base64: string;
  crc64: bigint | undefined;
}

/**
 * Receive the body of an UploadPart or PutObject into the store, hashing as it arrives, and
 * refuse it (nothing stored) when it is shorter than declared or does not match Content-MD5.
 */
export async function receiveCheckedBody(
  ctx: RequestContext,
  limits: { allowChunked: boolean; max: number },
): Promise<CheckedBody> {
  const { store, verifyContent } = ctx.env;
  const length = declaredLength(ctx, limits);
  const expectedMd5 = declaredMd5(ctx.headers);
  const writer = store.createWriter();
  const received = await receiveInto(
    ctx.body,
    writer,
    // Fast path: trust Content-MD5 for the ETag; hash only when there is nothing to trust.
    { md5: verifyContent || expectedMd5 === undefined, crc: verifyContent },
    limits.max,
    entityTooLarge,
  );
  const md5Hex = received.md5?.toString('hex').toUpperCase() ?? (expectedMd5 as string);
  const md5Base64 = Buffer.from(md5Hex, 'hex').toString('base64');
  if (length !== undefined && received.size !== length) {
    await writer.discard();
    throw incompleteBody();
  }
  if (expectedMd5 !== undefined && md5Hex !== expectedMd5) {
    await writer.discard();
    throw invalidDigestMismatch(md5Base64);
  }
  const blob = await writer.commit();
  return { blob, size: received.size, md5Hex, md5Base64, crc64: received.crc64 };
}
