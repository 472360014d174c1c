/** Checks that what the server stored is what we sent. */
import { parseCrc64 } from '../checksum/crc64.ts';
import { etagToMd5Hex } from '../checksum/md5.ts';
import { OssIntegrityError } from '../errors.ts';
import type { HttpResponse } from './http.ts';
import type { CompleteOptions, ObjectHead } from './types.ts';

/**
 * The ETag of a simply uploaded part or object is the hex MD5 of its bytes, so it must equal
 * the Content-MD5 we sent; the server's CRC-64, when it sends one, must equal ours.
 */
export function verifyStored(
  response: HttpResponse,
  contentMd5: string | undefined,
  crc64: bigint | undefined,
  partNumber: number | undefined,
): void {
  if (contentMd5) {
    const expected = Buffer.from(contentMd5, 'base64').toString('hex').toUpperCase();
    const actual = etagToMd5Hex(response.headers.etag ?? '') ?? response.headers.etag ?? '(none)';
    if (actual !== expected) throw new OssIntegrityError('etag', expected, actual, partNumber);
  }
  const returned = response.headers['x-oss-hash-crc64ecma'];
  if (crc64 !== undefined && returned !== undefined) {
    const actual = parseCrc64(returned);
    if (actual !== crc64) {
      throw new OssIntegrityError('crc64', crc64.toString(), returned, partNumber);
    }
  }
}

/**
 * Is this object the one our Complete assembled? A multipart object's ETag ends in
 * `-<part count>`; its size and CRC-64 must match when we know them.
 */
export function matchesCompleted(
  head: ObjectHead,
  expect: NonNullable<CompleteOptions['expect']>,
): boolean {
  if (head.objectType !== 'Multipart') return false;
  if (!new RegExp(`-${expect.partCount}"?$`).test(head.etag)) return false;
  if (expect.size !== undefined && head.contentLength !== expect.size) return false;
  if (expect.crc64 !== undefined && head.crc64 !== expect.crc64) return false;
  return true;
}
