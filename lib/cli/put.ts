import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import mime from 'mime-types';
import type { OssClient } from '../client.ts';
import { OssUploadError } from '../errors.ts';
import type { UploadOptions } from '../options.ts';
import type { UploadStream } from '../upload-stream.ts';
import type { PutFlags } from './args.ts';
import { closeClient, connect } from './connect.ts';
import { ExitCode, exitCodeFor, UsageError } from './exit-codes.ts';
import { parseOssUrl } from './parse.ts';
import { type ProgressMode, progressMode, UploadProgress } from './progress.ts';
import { type CliIo, Console, reportFailure } from './report.ts';
import { summaryJson, summaryText } from './summary.ts';
import { pipeUpload, trapInterrupts } from './transfer.ts';
import { formatBytes } from './units.ts';
import { latestUpload } from './upload-admin.ts';

export type { CliIo } from './report.ts';

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

/** --content-type, else a guess from the file name (or the key, for stdin), else none. */
export function contentTypeFor(flag: string | undefined, name: string): string | undefined {
  if (flag !== undefined) return flag;
  return mime.lookup(name) || undefined;
}

/** The library options the flags ask for (contentLength, signal and resume come later). */
function uploadOptions(flags: PutFlags, name: string): UploadOptions {
  if (flags.sseKeyId !== undefined && flags.sse !== 'KMS') {
    throw new UsageError('--sse-key-id needs --sse KMS');
  }
  const headers: Record<string, string> = {};
  if (flags.cacheControl !== undefined) headers['cache-control'] = flags.cacheControl;
  if (flags.contentDisposition !== undefined) {
    headers['content-disposition'] = flags.contentDisposition;
  }
  const options: UploadOptions = {
    partSize: flags.partSize,
    concurrency: flags.concurrency,
    contentType: contentTypeFor(flags.contentType, name),
    meta: flags.meta,
    storageClass: flags.storageClass,
    acl: flags.acl,
    serverSideEncryption: flags.sse,
    serverSideEncryptionKeyId: flags.sseKeyId,
    tagging: flags.tagging,
    headers,
    forbidOverwrite: flags.forbidOverwrite ?? false,
    leavePartsOnError: flags.leavePartsOnError ?? false,
  };
  // Flags not given are left out rather than passed as undefined: the options hold only what
  // the user asked for (and what the CLI guessed, the Content-Type).
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as UploadOptions;
}

/** `--resume latest` → the newest upload of the key; an id is taken as given. */
async function resumeId(
  client: OssClient,
  resume: string,
  bucket: string,
  key: string,
  signal: AbortSignal,
): Promise<string> {
  if (resume !== 'latest') return resume;
  const latest = await latestUpload(client, key, signal);
  if (!latest) {
    throw new UsageError(
      `--resume latest: no upload in progress for oss://${bucket}/${key} (see: uploads ls oss://${bucket}/${key})`,
    );
  }
  return latest.uploadId;
}

/** What became of the upload, in words, for an interrupted or failed put. */
function outcome(error: unknown, interrupted: boolean): string | undefined {
  const upload = error instanceof OssUploadError ? error : undefined;
  const id = upload?.uploadId;
  const kept = (what: string) =>
    `${what}; the parts of upload ${id} are kept on the server: resume with --resume ${id}, ` +
    `or remove them with: uploads abort oss://${upload?.bucket}/${upload?.key} --upload-id ${id}`;
  if (interrupted) {
    if (!id) return 'Interrupted before any upload was started';
    if (upload.cleanedUp) return `Interrupted; upload ${id} was aborted on the server`;
    return kept('Interrupted');
  }
  if (upload && id && !upload.cleanedUp) return kept(upload.message);
  return undefined;
}

/** `put <source> <oss://bucket/key>`: returns the process exit code (ExitCode). */
export async function runPut(
  source: string,
  destination: string,
  flags: PutFlags,
  io: CliIo,
): Promise<number> {
  const startedAt = performance.now();
  const output = new Console(io, { quiet: flags.quiet });
  const mode: ProgressMode = progressMode(io.stderr, flags.progress && !flags.json && !flags.quiet);

  let progress: UploadProgress | undefined;
  const interrupt = trapInterrupts(() => {
    progress?.stop();
    output.note(
      flags.leavePartsOnError
        ? '\nInterrupted: stopping; uploaded parts stay on the server (press Ctrl-C again to quit now)\n'
        : '\nInterrupted: aborting the upload on the server (press Ctrl-C again to quit now)\n',
    );
  });

  let client: OssClient | undefined;
  let credentialsFrom: string | undefined;
  let input: Input | undefined;
  let upload: UploadStream | undefined;
  try {
    const name = source === '-' ? undefined : basename(source);
    const { bucket, key } = parseOssUrl(destination, name);
    const options = uploadOptions(flags, name ?? key);
    const session = connect(bucket, flags, io.env, (secrets) => {
      output.secrets = secrets;
    });
    client = session.client;
    credentialsFrom = session.credentialsFrom;
    input = await openInput(source, io.stdin);
    if (flags.resume !== undefined) {
      const uploadId = await resumeId(client, flags.resume, bucket, key, interrupt.signal);
      options.resume = { uploadId };
      output.note(`Resuming upload ${uploadId}\n`);
    }
    upload = client.createUploadStream(key, {
      ...options,
      contentLength: input.size,
      signal: interrupt.signal,
    });
    upload.on('initiated', ({ uploadId }: { uploadId: string }) => {
      // Printed at once, so an upload cut short (even by SIGKILL) can be found and resumed.
      output.note(`Upload ID ${uploadId} (if interrupted: --resume ${uploadId})\n`);
    });
    if (mode !== 'none') {
      const size = input.size === undefined ? 'unknown size' : formatBytes(input.size);
      output.note(
        `Uploading ${source === '-' ? 'standard input' : source} (${size}) to oss://${bucket}/${key}\n`,
      );
    }
    progress = new UploadProgress({ mode, stream: io.stderr, total: input.size });
    progress.attach(upload);
    const result = await pipeUpload(input.stream, [], upload);
    const elapsedMs = performance.now() - startedAt;
    progress.complete(result.size);
    if (flags.json) output.out(`${JSON.stringify(summaryJson(result, elapsedMs))}\n`);
    else if (!flags.quiet) output.out(summaryText(result, elapsedMs));
    return ExitCode.Ok;
  } catch (error) {
    progress?.stop();
    input?.stream.destroy();
    if (upload && !upload.closed) upload.destroy();
    const code = interrupt.exitCode ?? exitCodeFor(error);
    reportFailure(output, {
      error,
      code,
      message: outcome(error, interrupt.received !== undefined),
      credentialsFrom,
      json: flags.json,
      extra: { interrupted: interrupt.received ?? null },
    });
    return code;
  } finally {
    interrupt.dispose();
    await closeClient(client);
  }
}
