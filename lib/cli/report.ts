import type { Readable } from 'node:stream';
import { OssResponseError, OssUploadError } from '../errors.ts';
import { redact } from './env-credentials.ts';
import { ExitCode } from './exit-codes.ts';
import { cliMessage } from './messages.ts';

export interface CliIo {
  stdin: Readable;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/**
 * What a command prints, scrubbed of the secrets it was told about: results on stdout,
 * everything for people (progress, notes, errors) on stderr.
 */
export class Console {
  readonly #io: CliIo;
  readonly #quiet: boolean;
  #secrets: string[] = [];

  constructor(io: CliIo, options: { quiet?: boolean | undefined } = {}) {
    this.#io = io;
    this.#quiet = options.quiet ?? false;
  }

  set secrets(secrets: string[]) {
    this.#secrets = secrets;
  }

  /** A result on stdout. */
  out(text: string): void {
    this.#io.stdout.write(redact(text, this.#secrets));
  }

  /** A note for people on stderr; --quiet drops it. */
  note(text: string): void {
    if (!this.#quiet) this.#io.stderr.write(redact(text, this.#secrets));
  }

  /** Text on stderr whatever --quiet says (results that must not mix with data on stdout). */
  stderr(text: string): void {
    this.#io.stderr.write(redact(text, this.#secrets));
  }

  /** An error on stderr, always. */
  error(text: string): void {
    this.#io.stderr.write(redact(`oss-multipart-stream: ${text}\n`, this.#secrets));
  }
}

/** Fields a script can branch on, for `--json` errors. */
export function errorJson(error: unknown): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>;
  const out: Record<string, unknown> = {
    name: e?.name,
    code: e?.code,
    message: cliMessage(error),
  };
  const response = error instanceof OssUploadError ? error.cause : error;
  if (error instanceof OssUploadError) {
    out.uploadId = error.uploadId;
    out.cleanedUp = error.cleanedUp;
  }
  if (response instanceof OssResponseError) {
    out.status = response.status;
    out.ossCode = response.ossCode;
    out.requestId = response.requestId;
  }
  return out;
}

export interface Failure {
  error: unknown;
  code: number;
  /** Replaces the error's own message (interruptions say what became of the upload). */
  message?: string | undefined;
  /** Which variables held the credentials OSS refused (names only). */
  credentialsFrom?: string | undefined;
  json: boolean;
  /** More fields for the --json object. */
  extra?: Record<string, unknown> | undefined;
  /** Where the --json object goes when not stdout (get - keeps stdout for the data). */
  jsonTo?: ((text: string) => void) | undefined;
}

/** The reason on stderr, and as one JSON object on stdout with --json. */
export function reportFailure(output: Console, failure: Failure): void {
  let message = failure.message ?? cliMessage(failure.error);
  if (failure.code === ExitCode.Auth && failure.credentialsFrom) {
    message += `\nOSS refused the credentials from ${failure.credentialsFrom}.`;
  }
  if (failure.json) {
    const body = {
      ok: false,
      exitCode: failure.code,
      ...failure.extra,
      error: errorJson(failure.error),
    };
    (failure.jsonTo ?? ((text: string) => output.out(text)))(`${JSON.stringify(body)}\n`);
  }
  output.error(message);
}
