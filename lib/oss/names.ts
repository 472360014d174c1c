import { OssKeyError, OssOptionError } from '../errors.ts';

/** OSS limits object keys to 1..1023 bytes of UTF-8 (oss-protocol.md §1.4). */
export const MAX_KEY_BYTES = 1023;

/**
 * Enforce the key rules before any request is sent, so a bad key costs no round trip and
 * leaves nothing on the server. Control characters are refused too: OSS accepts some of them,
 * but they are nearly always a bug in the caller, and NUL is refused by the service.
 */
export function validateObjectKey(key: unknown): string {
  if (typeof key !== 'string') {
    throw new OssKeyError(`expected a string, got ${describeType(key)}`);
  }
  if (key.length === 0) throw new OssKeyError('the key is empty');
  if (!key.isWellFormed()) throw new OssKeyError('the key is not valid UTF-8 (lone surrogate)');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new OssKeyError(`the key is ${bytes} bytes of UTF-8; the limit is ${MAX_KEY_BYTES}`);
  }
  if (key.startsWith('/') || key.startsWith('\\')) {
    throw new OssKeyError('the key must not start with "/" or "\\"');
  }
  const control = /[\u0000-\u001f\u007f]/.exec(key);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0');
    throw new OssKeyError(`the key contains the control character U+00${code}`);
  }
  return key;
}

/** Bucket names: 3–63 characters of a-z, 0-9 and '-', not starting or ending with '-'. */
export function validateBucketName(bucket: unknown, option = 'bucket'): string {
  if (typeof bucket !== 'string') {
    throw new OssOptionError(option, `expected a string, got ${describeType(bucket)}`);
  }
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new OssOptionError(
      option,
      `"${bucket}" is not a valid bucket name (3-63 characters of a-z, 0-9 and "-", not starting or ending with "-")`,
    );
  }
  return bucket;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
