import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseCrc64 } from '../checksum/crc64.ts';
import type { OssClient } from '../client.ts';
import { OssNetworkError, OssStreamError } from '../errors.ts';
import type { GetFlags } from './args.ts';
import { closeClient, connect } from './connect.ts';
import { Digest } from './digest.ts';
import { ExitCode, exitCodeFor, UsageError } from './exit-codes.ts';
import { splitOssUrl } from './parse.ts';
import { progressMode, UploadProgress } from './progress.ts';
import { type CliIo, Console, reportFailure } from './report.ts';
import { trapInterrupts } from './transfer.ts';
import { formatBytes, formatElapsed, formatRate } from './units.ts';

/** The bytes received are not the object OSS described (its CRC-64 or its length). */
export class DownloadIntegrityError extends OssStreamError {
  readonly check: 'crc64' | 'size';
  readonly expected: string;
  readonly actual: string;

  constructor(key: string, check: 'crc64' | 'size', expected: string, actual: string) {
    const what = check === 'crc64' ? 'CRC-64' : 'size';
    super(
      'ERR_OSS_INTEGRITY',
      `download of ${key} is corrupt: ${what} of the bytes received is ${actual}, the object's is ${expected}`,
    );
    this.check = check;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Where the bytes go: a partial file renamed over the destination once verified, or stdout. */
interface Sink {
  stream: Writable;
  /** Put the verified file in place. */
  commit(): Promise<void>;
  /** Remove the partial file (nothing to do for stdout). */
  discard(): Promise<void>;
  name: string;
}

async function openSink(destination: string, key: string, io: CliIo): Promise<Sink> {
  if (destination === '-') {
    return {
      stream: io.stdout as Writable,
      commit: async () => {},
      discard: async () => {},
      name: 'standard output',
    };
  }
  let target = destination;
  const existing = await stat(destination).catch(() => undefined);
  if (existing?.isDirectory() || destination.endsWith('/')) {
    target = join(destination, basename(key));
  }
  // Beside the target, so the final rename stays on one file system and is atomic.
  const partial = join(
    dirname(target),
    `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`,
  );
  const stream = createWriteStream(partial, { flags: 'wx' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(new UsageError(`cannot write ${target}: ${error.code ?? error.message}`)),
    );
  });
  return {
    stream,
    commit: () => rename(partial, target),
    discard: () => rm(partial, { force: true }),
    name: target,
  };
}

/** Counts and digests the bytes on their way to the sink. */
function digestTap(digest: Digest, onBytes: (total: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digest.update(chunk);
      onBytes(digest.bytes);
      callback(null, chunk);
    },
  });
}

/** `get oss://bucket/key <file|->`: returns the process exit code (ExitCode). */
export async function runGet(
  source: string,
  destination: string,
  flags: GetFlags,
  io: CliIo,
): Promise<number> {
  const startedAt = performance.now();
  const output = new Console(io, { quiet: flags.quiet });
  const toStdout = destination === '-';
  // With the data on stdout, results (text or --json) go to stderr.
  const result = (text: string) => (toStdout ? output.stderr(text) : output.out(text));
  let progress: UploadProgress | undefined;
  const interrupt = trapInterrupts(() => {
    progress?.stop();
    output.note('\nInterrupted: stopping the download\n');
  });
  let client: OssClient | undefined;
  let credentialsFrom: string | undefined;
  let sink: Sink | undefined;
  try {
    const { bucket, path: key } = splitOssUrl(source);
    if (key === '' || key.endsWith('/')) {
      throw new UsageError(`"${source}" names no object (expected oss://bucket/key)`);
    }
    const session = connect(bucket, flags, io.env, (secrets) => {
      output.secrets = secrets;
    });
    client = session.client;
    credentialsFrom = session.credentialsFrom;
    // The sink first: between getObject and pipeline nothing may wait, or a body failing in
    // that gap would emit 'error' with no listener.
    sink = await openSink(destination, key, io);
    const object = await client.getObject(key, { signal: interrupt.signal });
    const showProgress = flags.progress && !flags.json && !flags.quiet;
    progress = new UploadProgress({
      // The progress lines and the data would share a terminal: no bar when writing to stdout.
      mode: progressMode(toStdout ? {} : io.stderr, showProgress),
      stream: io.stderr,
      total: object.contentLength,
      verb: 'downloading',
    });
    progress.start();
    const digest = new Digest();
    try {
      await pipeline(
        object.body,
        digestTap(digest, (bytes) => progress?.update(bytes)),
        sink.stream,
        // stdout stays open for whatever the caller prints next.
        { signal: interrupt.signal, end: !toStdout },
      );
    } catch (error) {
      // A body cut short (reset, premature close) is a network failure of the GET, not a bug.
      const cause = object.body.errored;
      if (cause && !(cause instanceof OssStreamError) && !interrupt.received) {
        throw new OssNetworkError('GetObject', cause as Error & { code?: string });
      }
      throw error;
    }
    const received = digest.finish();
    if (received.bytes !== object.contentLength) {
      throw new DownloadIntegrityError(
        key,
        'size',
        String(object.contentLength),
        String(received.bytes),
      );
    }
    // OSS sends the CRC-64 of every object it computed one for; without it only the length
    // could be checked, and the summary says so.
    const verified = object.crc64 !== undefined;
    if (verified && parseCrc64(object.crc64 as string) !== BigInt(received.crc64)) {
      throw new DownloadIntegrityError(key, 'crc64', object.crc64 as string, received.crc64);
    }
    await sink.commit();
    progress.complete(received.bytes);
    const elapsedMs = performance.now() - startedAt;
    const summary = {
      ok: true,
      bucket,
      key,
      file: toStdout ? null : sink.name,
      size: received.bytes,
      crc64: received.crc64,
      crc64Verified: verified,
      md5: received.md5,
      elapsedMs: Math.round(elapsedMs),
    };
    if (flags.json) result(`${JSON.stringify(summary)}\n`);
    else if (!flags.quiet) {
      const check = verified ? 'matches the object' : 'not checked: OSS sent no CRC-64';
      result(
        `Downloaded oss://${bucket}/${key} to ${sink.name}\n` +
          `  Size        ${formatBytes(received.bytes)} (${received.bytes} bytes)\n` +
          `  CRC-64      ${received.crc64} (${check})\n` +
          `  Throughput  ${formatRate((received.bytes * 1000) / Math.max(elapsedMs, 1))} (${formatElapsed(elapsedMs)})\n`,
      );
    }
    return ExitCode.Ok;
  } catch (error) {
    progress?.stop();
    await sink?.discard();
    const code = interrupt.exitCode ?? exitCodeFor(error);
    reportFailure(output, {
      error,
      code,
      message: interrupt.received ? 'Interrupted; the partial download was removed' : undefined,
      credentialsFrom,
      json: flags.json,
      jsonTo: toStdout ? result : undefined,
    });
    return code;
  } finally {
    interrupt.dispose();
    await closeClient(client);
  }
}
