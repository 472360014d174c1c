/**
 * `npm start`: the library end to end on the embedded emulator. A generated payload of
 * unknown length streams through the upload stream (progress on stderr), is read back by a
 * streaming GET, and must match the source's MD5 and CRC-64. Exit 0 only when it does.
 *
 *   npm start                      512 MiB, 8 MiB parts, 4 at a time
 *   npm start -- --size 64MiB      smaller (tests)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { closeClient } from '../../lib/cli/connect.ts';
import { Digest } from '../../lib/cli/digest.ts';
import { ExitCode, exitCodeFor } from '../../lib/cli/exit-codes.ts';
import { parseConcurrency, parsePartSize } from '../../lib/cli/parse.ts';
import { progressMode, UploadProgress } from '../../lib/cli/progress.ts';
import { summaryText } from '../../lib/cli/summary.ts';
import { pipeUpload, trapInterrupts } from '../../lib/cli/transfer.ts';
import { formatBytes, formatElapsed, formatRate, parseSize } from '../../lib/cli/units.ts';
import { type GetObjectResult, OssClient, type UploadResult } from '../../lib/index.ts';
import { type Emulator, startEmulator } from '../../lib/testing/index.ts';
import { generatedPayload } from './payload.ts';

const BUCKET = 'test-bucket';

interface JobOptions {
  size: number;
  partSize: number;
  concurrency: number;
  progress: boolean;
}

function parseJobOptions(argv: string[]): JobOptions {
  const program = new Command('npm start --')
    .description(
      'Stream a generated payload through the library into the local emulator and verify it.',
    )
    .option('--size <size>', 'payload size, e.g. 512MiB or 64MiB', sizeArg, 512 * 1024 ** 2)
    .option('--part-size <size>', 'bytes per part', parsePartSize, 8 * 1024 ** 2)
    .option('--concurrency <n>', 'parts uploading at once', parseConcurrency, 4)
    .option('--no-progress', 'no progress output')
    .exitOverride()
    .parse(argv, { from: 'user' });
  return program.opts<JobOptions>();
}

function sizeArg(text: string): number {
  const size = parseSize(text);
  if (size === undefined || size < 1)
    throw new InvalidArgumentError('Expected a size such as 512MiB.');
  return size;
}

type Sums = { md5: string; crc64: string; bytes: number };

/** Every way the stored object could differ from what was generated, as sentences. */
function mismatches(
  sent: Sums,
  stored: Sums,
  result: UploadResult,
  object: GetObjectResult,
): string[] {
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (actual !== expected) problems.push(`${what}: expected ${expected}, got ${actual}`);
  };
  expect('size reported by the upload', result.size, sent.bytes);
  expect('CRC-64 computed by the upload', result.crc64, sent.crc64);
  expect('Content-Length of the GET', object.contentLength, sent.bytes);
  if (object.crc64 !== undefined) expect('CRC-64 stored by the server', object.crc64, sent.crc64);
  expect('bytes read back', stored.bytes, sent.bytes);
  expect('MD5 of the bytes read back', stored.md5, sent.md5);
  expect('CRC-64 of the bytes read back', stored.crc64, sent.crc64);
  return problems;
}

async function readBack(client: OssClient, key: string, signal: AbortSignal) {
  const startedAt = performance.now();
  const object = await client.getObject(key, { signal });
  const digest = new Digest();
  for await (const chunk of object.body) digest.update(chunk as Buffer);
  return { object, sums: digest.finish(), ms: performance.now() - startedAt };
}

async function runMainJob(options: JobOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const err = (text: string) => process.stderr.write(text);
  let progress: UploadProgress | undefined;
  const interrupt = trapInterrupts(() => {
    progress?.stop();
    err('\nInterrupted: aborting the upload on the server\n');
  });
  // On disk, so the 512 MiB object does not sit in this process's memory beside the upload.
  const dir = await mkdtemp(join(tmpdir(), 'oss-multipart-stream-'));
  let emulator: Emulator | undefined;
  let client: OssClient | undefined;
  try {
    emulator = await startEmulator({ dir, buckets: [BUCKET] });
    out(`Local OSS emulator at ${emulator.endpoint} (bucket ${BUCKET}, data in ${dir})\n`);
    client = new OssClient({
      endpoint: emulator.endpoint,
      bucket: BUCKET,
      region: emulator.region,
      credentials: emulator.credentials,
    });
    const key = `main-job/payload-${Date.now()}.bin`;
    out(
      `Streaming ${formatBytes(options.size)} of generated data, length unknown to the library, ` +
        `to oss://${BUCKET}/${key}\n` +
        `(part size ${formatBytes(options.partSize)}, ${options.concurrency} parts at a time)\n`,
    );

    const source = new Digest();
    const upload = client.createUploadStream(key, {
      partSize: options.partSize,
      concurrency: options.concurrency,
      signal: interrupt.signal,
    });
    progress = new UploadProgress({
      mode: progressMode(process.stderr, options.progress),
      stream: process.stderr,
      total: options.size, // for the display only: the library is not told
    });
    progress.attach(upload);
    const startedAt = performance.now();
    const result = await pipeUpload(generatedPayload(options.size), [source.tap()], upload);
    const uploadMs = performance.now() - startedAt;
    progress.complete(result.size);
    const sent = source.finish();

    const back = await readBack(client, key, interrupt.signal);
    const problems = mismatches(sent, back.sums, result, back.object);
    const verdict = problems.length === 0 ? 'match' : 'MISMATCH';
    out(
      summaryText(result, uploadMs, [
        [
          'Read back',
          `${formatBytes(back.sums.bytes)} by streaming GET in ${formatElapsed(back.ms)} (${formatRate((back.sums.bytes * 1000) / back.ms)})`,
        ],
        ['MD5', `${back.sums.md5} (source ${sent.md5}): ${verdict}`],
        [
          'CRC-64',
          `source ${sent.crc64}, server ${back.object.crc64 ?? 'n/a'}, read back ${back.sums.crc64}: ${verdict}`,
        ],
        ['Peak RSS', formatBytes(process.resourceUsage().maxRSS * 1024)],
      ]),
    );
    if (problems.length > 0) {
      err(`Verification FAILED:\n${problems.map((p) => `  ${p}\n`).join('')}`);
      return ExitCode.Transfer;
    }
    out('Verified: the object read back is byte-identical to the generated stream.\n');
    return ExitCode.Ok;
  } catch (error) {
    progress?.stop();
    if (interrupt.exitCode !== undefined) {
      err('Interrupted; the upload was aborted.\n');
      return interrupt.exitCode;
    }
    err(`npm start failed: ${(error as Error)?.message ?? error}\n`);
    return exitCodeFor(error);
  } finally {
    interrupt.dispose();
    await closeClient(client);
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

let code: number;
try {
  code = await runMainJob(parseJobOptions(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  code = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
}
process.exitCode = code;
