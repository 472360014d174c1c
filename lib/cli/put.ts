import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { OssClient } from '../client.ts';
import { OssResponseError, OssUploadError } from '../errors.ts';
import type { UploadStream } from '../upload-stream.ts';
import { type PutFlags, parseOssUrl } from './args.ts';
import { connectionFrom, credentialsFromEnv, redact } from './env-credentials.ts';
import { ExitCode, exitCodeFor, UsageError } from './exit-codes.ts';
import { type ProgressMode, progressMode, UploadProgress } from './progress.ts';
import { summaryJson, summaryText } from './summary.ts';
import { type HandledSignal, pipeUpload, trapInterrupts } from './transfer.ts';
import { formatBytes } from './units.ts';

export interface CliIo {
  stdin: Readable;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

interface Input {
  stream: Readable;
  /** Known for regular files: passed to the library, which then checks it. */
  size: number | undefined;
}

async function openInput(source: string, stdin: Readable): Promise<Input> {
  if (source === '-') return { stream: stdin, size: undefined };
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(source, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new UsageError(`${source} is a directory`);
    // FIFOs and devices have no size: they stream as unknown length.
    const size = stat.isFile() ? stat.size : undefined;
    return { stream: handle.createReadStream({ highWaterMark: 1024 * 1024 }), size };
  } catch (error) {
    await handle?.close();
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${source}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

/** `put <source> <oss://bucket/key>`: returns the exit code (see exit-codes.ts). */
export async function runPut(
  source: string,
  destination: string,
  flags: PutFlags,
  io: CliIo,
): Promise<number> {
  const startedAt = performance.now();
  let secrets: string[] = [];
  let credentialsFrom: string | undefined;
  const say = (text: string) => io.stderr.write(redact(text, secrets));
  const mode: ProgressMode = progressMode(io.stderr, flags.progress && !flags.json);

  let progress: UploadProgress | undefined;
  const interrupt = trapInterrupts(() => {
    progress?.stop();
    say('\nInterrupted: aborting the upload on the server (press Ctrl-C again to quit now)\n');
  });

  let client: OssClient | undefined;
  let input: Input | undefined;
  let upload: UploadStream | undefined;
  try {
    if (flags.sseKeyId !== undefined && flags.sse !== 'KMS') {
      throw new UsageError('--sse-key-id needs --sse KMS');
    }
    const name = source === '-' ? undefined : basename(source);
    const { bucket, key } = parseOssUrl(destination, name);
    const connection = connectionFrom(flags, io.env);
    const env = credentialsFromEnv(io.env);
    secrets = env.secrets;
    credentialsFrom = env.from;
    client = new OssClient({
      endpoint: connection.endpoint,
      bucket,
      region: connection.region,
      credentials: env.credentials,
      signatureVersion: flags.signatureVersion ?? 'v4',
      ...(flags.pathStyle ? { pathStyle: true } : {}),
    });
    input = await openInput(source, io.stdin);
    upload = client.createUploadStream(key, {
      partSize: flags.partSize,
      concurrency: flags.concurrency,
      contentLength: input.size,
      signal: interrupt.signal,
      contentType: flags.contentType,
      meta: flags.meta,
      storageClass: flags.storageClass,
      serverSideEncryption: flags.sse,
      serverSideEncryptionKeyId: flags.sseKeyId,
    });
    if (mode !== 'none') {
      const size = input.size === undefined ? 'unknown size' : formatBytes(input.size);
      say(
        `Uploading ${source === '-' ? 'standard input' : source} (${size}) to oss://${bucket}/${key}\n`,
      );
    }
    progress = new UploadProgress({ mode, stream: io.stderr, total: input.size });
    progress.attach(upload);
    const result = await pipeUpload(input.stream, [], upload);
    const elapsedMs = performance.now() - startedAt;
    progress.complete(result.size);
    io.stdout.write(
      flags.json
        ? `${JSON.stringify(summaryJson(result, elapsedMs))}\n`
        : summaryText(result, elapsedMs),
    );
    return ExitCode.Ok;
  } catch (error) {
    progress?.stop();
    input?.stream.destroy();
    if (upload && !upload.closed) upload.destroy();
    const code = interrupt.exitCode ?? exitCodeFor(error);
    const context = { signal: interrupt.received, json: flags.json, credentialsFrom };
    report(error, code, context, io, secrets);
    return code;
  } finally {
    interrupt.dispose();
    client?.close();
  }
}

function describe(error: unknown): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>;
  const out: Record<string, unknown> = {
    name: e?.name,
    code: e?.code,
    message: e?.message ?? String(error),
  };
  if (error instanceof OssUploadError) {
    out.uploadId = error.uploadId;
    out.cleanedUp = error.cleanedUp;
    if (error.cause instanceof OssResponseError) {
      out.status = error.cause.status;
      out.ossCode = error.cause.ossCode;
      out.requestId = error.cause.requestId;
    }
  }
  return out;
}

interface ReportContext {
  signal: HandledSignal | undefined;
  json: boolean;
  /** Which variables held the credentials OSS refused (names only). */
  credentialsFrom: string | undefined;
}

/** The reason on stderr (and as JSON on stdout with --json), scrubbed of secrets. */
function report(
  error: unknown,
  code: number,
  { signal, json, credentialsFrom }: ReportContext,
  io: CliIo,
  secrets: string[],
): void {
  const upload = error instanceof OssUploadError ? error : undefined;
  let message: string;
  if (signal) {
    const id = upload?.uploadId;
    if (!id) message = 'Interrupted before any upload was started';
    else if (upload.cleanedUp) message = `Interrupted; upload ${id} was aborted on the server`;
    else message = `Interrupted; aborting upload ${id} failed: it may be left on the server`;
  } else {
    message = (error as Error)?.message ?? String(error);
    if (code === ExitCode.Auth && credentialsFrom) {
      message += `\nOSS refused the credentials from ${credentialsFrom}.`;
    }
  }
  if (json) {
    const body = { ok: false, exitCode: code, interrupted: signal ?? null, error: describe(error) };
    io.stdout.write(`${redact(JSON.stringify(body), secrets)}\n`);
  }
  io.stderr.write(`${redact(`oss-multipart-stream: ${message}`, secrets)}\n`);
}
