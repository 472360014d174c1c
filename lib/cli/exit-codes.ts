import {
  OssCredentialsError,
  OssKeyError,
  OssOptionError,
  OssResponseError,
  OssStreamError,
} from '../errors.ts';

/**
 * Exit codes of `oss-multipart-stream`. Scripts branch on these, so they never change meaning.
 * `--help` and the README list them from EXIT_CODE_MEANINGS.
 */
export const ExitCode = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  Auth: 3,
  Transfer: 4,
  Interrupted: 130,
  Terminated: 143,
} as const;

export const EXIT_CODE_MEANINGS: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.Ok, "success (put/get: the object's CRC-64 matched)"],
  [ExitCode.Internal, 'unexpected internal error (a bug: please report it)'],
  [ExitCode.Usage, 'usage error: bad arguments or options, unreadable file, no endpoint'],
  [ExitCode.Auth, 'authentication: no credentials in the environment, or OSS refused them (403)'],
  [
    ExitCode.Transfer,
    'transfer failure: network, timeouts, missing bucket or object, server errors, integrity ' +
      '(a CRC-64 mismatch); a failed put aborts its upload unless --leave-parts-on-error',
  ],
  [ExitCode.Interrupted, 'interrupted by Ctrl-C (SIGINT), after aborting the upload on the server'],
  [ExitCode.Terminated, 'terminated by SIGTERM, likewise'],
];

/** The exit code table as `--help` prints it. */
export function exitCodeHelp(): string {
  const rows = EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padEnd(4)}${meaning}`);
  return `Exit codes:\n${rows.join('\n')}\n`;
}

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in how the command was called; exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What the command was to act on does not exist (an upload id no longer in progress); exits 4. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** No usable credentials in the environment; exits 3. */
export class MissingCredentialsError extends Error {
  override name = 'MissingCredentialsError';
}

/** OSS codes that mean "who you are" or "what you may do" was refused. */
const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'SecurityTokenExpired',
  'InvalidSecurityToken',
  'InvalidAuthorizationHeader',
]);

/** The error and every `cause` below it (wrappers such as OssUploadError hide the reason). */
export function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  for (let e = error; e !== undefined && e !== null && !seen.has(e); ) {
    seen.add(e);
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

export function isAuthError(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (e instanceof MissingCredentialsError || e instanceof OssCredentialsError) return true;
    if (e instanceof OssResponseError && (e.status === 403 || AUTH_CODES.has(e.ossCode ?? ''))) {
      return true;
    }
  }
  return false;
}

/** Exit code for an error that ended a command (signals are handled by the caller). */
export function exitCodeFor(error: unknown): ExitCode {
  for (const e of causeChain(error)) {
    if (e instanceof UsageError || e instanceof OssOptionError || e instanceof OssKeyError) {
      return ExitCode.Usage;
    }
  }
  if (isAuthError(error)) return ExitCode.Auth;
  if (error instanceof NotFoundError) return ExitCode.Transfer;
  for (const e of causeChain(error)) {
    // The library's own errors, and system errors (ECONNRESET, EIO ...) from either side.
    if (e instanceof OssStreamError || typeof (e as { syscall?: unknown }).syscall === 'string') {
      return ExitCode.Transfer;
    }
  }
  return ExitCode.Internal;
}
