import { isValidBucketName, MAX_KEY_BYTES } from '../limits.ts';
import { invalidBucketName, invalidObjectName } from './errors.ts';

export { isValidBucketName };

export function checkBucketName(name: string): void {
  if (!isValidBucketName(name)) throw invalidBucketName(name);
}

/**
 * Object key rules (1–1023 bytes of UTF-8, not starting with `/` or `\\`), applied to the
 * percent-decoded path bytes. `key` is undefined when the bytes
 * were not valid UTF-8. NUL is refused as well: it cannot round-trip through most clients.
 */
export function checkObjectKey(key: string | undefined, byteLength: number): asserts key is string {
  if (key === undefined) throw invalidObjectName('0016-00000002');
  if (byteLength === 0) throw invalidObjectName('0016-00000001');
  if (byteLength > MAX_KEY_BYTES) throw invalidObjectName('0016-00000002');
  if (key.startsWith('/') || key.startsWith('\\')) throw invalidObjectName('0016-00000005');
  if (key.includes('\0')) throw invalidObjectName('0016-00000002');
}

const HEX = '0123456789ABCDEF';

/** `encoding-type=url`: every byte outside `A-Za-z0-9-_.~` as uppercase `%XX`. */
export function urlEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d ||
      byte === 0x5f ||
      byte === 0x2e ||
      byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** Path encoding for Location URLs: like urlEncode but `/` stays. */
export function pathEncode(key: string): string {
  return urlEncode(key).replace(/%2F/g, '/');
}

/** OSS lists keys in UTF-8 byte order, which differs from UTF-16 order for astral characters. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
