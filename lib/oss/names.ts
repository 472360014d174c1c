import { OssKeyError, OssOptionError } from '../errors.ts';
import { isValidBucketName, MAX_KEY_BYTES, objectKeyProblem } from '../limits.ts';
import { describeType } from '../validate.ts';

export { MAX_KEY_BYTES };
// Moved to lib/validate.ts; re-exported for the modules that still import it from here.
export { describeType };

/**
 * Enforce the key rules before any request is sent, so a bad key costs no round trip and
 * leaves nothing on the server. Control characters are refused too: OSS accepts some of them,
 * but they are nearly always a bug in the caller, and NUL is refused by the service.
 */
export function validateObjectKey(key: unknown): string {
  if (typeof key !== 'string') {
    throw new OssKeyError(`expected a string, got ${describeType(key)}`);
  }
  const problem = objectKeyProblem(key);
  if (problem) throw new OssKeyError(problem);
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
  if (!isValidBucketName(bucket)) {
    throw new OssOptionError(
      option,
      `"${bucket}" is not a valid bucket name (3-63 characters of a-z, 0-9 and "-", not starting or ending with "-")`,
    );
  }
  return bucket;
}
