import { OssKeyError, OssOptionError } from '../errors.ts';
import { isValidBucketName, MAX_KEY_BYTES, objectKeyProblem } from '../limits.ts';
import { describeType, stringRecord } from '../validate.ts';

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

/** An HTTP field name: one or more token characters (RFC 9110, field names). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Characters a field value may not carry: controls other than tab, and DEL. CR and LF would
 * split the request; Node refuses the others only when the request is sent, too late to say
 * which option was wrong.
 */
const VALUE_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Headers the client computes for every request (length, digests, date, signature, token) or
 * that belong to the connection. A caller's value would contradict ours: a content-length
 * that does not match the body leaves the server waiting for bytes that never come.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'connection',
  'content-length',
  'content-md5',
  'date',
  'expect',
  'host',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-oss-content-sha256',
  'x-oss-date',
  'x-oss-security-token',
]);

/** Why `name` cannot be sent as a request header of ours, or undefined when it can. */
export function headerNameProblem(name: string): string | undefined {
  if (!TOKEN.test(name)) {
    return "a header name must be one or more letters, digits or !#$%&'*+-.^_`|~ (an HTTP token)";
  }
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    return 'is set by the client itself (or belongs to the connection) and cannot be given';
  }
  return undefined;
}

/**
 * Unicode spaces other than space and tab. HTTP keeps them around a value, but the Go SDK's
 * signer strips all of them and ali-oss's strips them and U+FEFF, so servers built like either
 * would read another value than HTTP delivers. At either end of a value they are refused.
 */
const AMBIGUOUS_SPACE =
  '[\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]';
const AMBIGUOUS_END = new RegExp(`^[ \\t]*${AMBIGUOUS_SPACE}|${AMBIGUOUS_SPACE}[ \\t]*$`);

/**
 * Why `value` cannot be sent as a header value, or undefined when it can. Text beyond ASCII
 * is allowed: it is sent, and signed, as its UTF-8 bytes.
 */
export function headerValueProblem(value: string): string | undefined {
  const control = VALUE_CONTROL.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase();
    return `the value contains the control character U+${code} (only tab is allowed)`;
  }
  if (!value.isWellFormed()) return 'the value is not valid UTF-8 (lone surrogate)';
  const space = AMBIGUOUS_END.exec(value);
  if (space) {
    const char = space[0].replace(/[ \t]/g, '');
    const code = char.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase();
    return `the value starts or ends with U+${code}, a space servers may or may not strip`;
  }
  return undefined;
}

/** Throw an OssOptionError naming `option` when a header cannot be sent as given. */
export function validateHeader(name: string, value: string, option: string): void {
  const problem = headerNameProblem(name) ?? headerValueProblem(value);
  if (problem) throw new OssOptionError(option, problem);
}

/**
 * User metadata names: letters, digits, '-', '_' and '.', the characters OSS keeps as given
 * (the name is sent, and stored, in lower case).
 */
const META_NAME = /^[A-Za-z0-9_.-]+$/;

export function validateMetaEntry(name: string, value: string, option: string): void {
  if (!META_NAME.test(name)) {
    throw new OssOptionError(
      option,
      'metadata names may use letters, digits, "-", "_" and "." only',
    );
  }
  const problem = headerValueProblem(value);
  if (problem) throw new OssOptionError(option, problem);
}

/**
 * Validate a record of request headers given as option `option` (e.g. a call's `headers`):
 * string values, HTTP-token names, sendable values, nothing the client computes itself, no
 * name twice in different case. Returns the headers with lower-case names.
 */
export function validateHeaderRecord(value: unknown, option = 'headers'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(stringRecord(value, option))) {
    validateHeader(name, v, `${option}.${name}`);
    const lower = name.toLowerCase();
    if (Object.hasOwn(out, lower)) {
      throw new OssOptionError(`${option}.${name}`, 'is given twice (header names ignore case)');
    }
    out[lower] = v;
  }
  return out;
}

/**
 * Why a credential that travels in a header (access key id, security token) cannot be sent,
 * or undefined. The message never includes the value.
 */
export function credentialProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined; // type errors are reported by the caller
  return headerValueProblem(value);
}
