/**
 * Limits of the OSS service, in one place for the client, the emulator and the CLI.
 * Pure data and predicates: no imports, so any layer can use them without a cycle.
 */

/** Part numbers run from 1 to 10000. */
export const MIN_PART_NUMBER = 1;
export const MAX_PARTS = 10_000;
export const MAX_PART_NUMBER = MAX_PARTS;

/** Every part but the last must hold at least 100 KiB; no part may hold more than 5 GiB. */
export const MIN_PART_SIZE = 100 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;

/** The largest object a multipart upload can build: 10000 parts of 5 GiB (48.8 TiB). */
export const MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE;

/** A single PutObject carries at most 5 GiB. */
export const MAX_PUT_OBJECT_SIZE = 5 * 1024 ** 3;

/** Object keys are 1 to 1023 bytes of UTF-8. */
export const MIN_KEY_BYTES = 1;
export const MAX_KEY_BYTES = 1023;

/** Bucket names: 3-63 characters of a-z, 0-9 and '-', not starting or ending with '-'. */
export const MIN_BUCKET_LENGTH = 3;
export const MAX_BUCKET_LENGTH = 63;
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isValidPartNumber(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_PART_NUMBER && n <= MAX_PART_NUMBER;
}

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME_PATTERN.test(name);
}

/**
 * Why OSS would refuse `key` as an object name, or undefined when it accepts it: empty, not
 * valid UTF-8 (a lone surrogate), longer than 1023 bytes of UTF-8, starting with '/' or '\',
 * or containing NUL. Callers may add stricter rules of their own.
 */
export function objectKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (!key.isWellFormed()) return 'the key is not valid UTF-8 (lone surrogate)';
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    return `the key is ${bytes} bytes of UTF-8; the limit is ${MAX_KEY_BYTES}`;
  }
  if (key.startsWith('/') || key.startsWith('\\')) {
    return 'the key must not start with "/" or "\\"';
  }
  if (key.includes('\0')) return 'the key contains NUL (U+0000)';
  return undefined;
}
