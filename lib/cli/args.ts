import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../parts/part-size.ts';
import { ExitCode, UsageError } from './exit-codes.ts';
import { formatBytes, parseSize } from './units.ts';

export interface PutFlags {
  endpoint?: string;
  region?: string;
  partSize?: number;
  concurrency?: number;
  signatureVersion?: 'v1' | 'v4';
  pathStyle?: boolean;
  contentType?: string;
  meta?: Record<string, string>;
  storageClass?: 'Standard' | 'IA' | 'Archive' | 'ColdArchive' | 'DeepColdArchive';
  sse?: 'AES256' | 'KMS' | 'SM4';
  sseKeyId?: string;
  json: boolean;
  progress: boolean;
}

export interface Handlers {
  put(source: string, destination: string, flags: PutFlags): Promise<number>;
  emulator(args: string[]): Promise<number | undefined>;
}

export interface Output {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

export function parsePartSize(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined)
    throw new InvalidArgumentError('Expected a size such as 8MiB or 8388608.');
  if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
    throw new InvalidArgumentError(
      `Must be between ${formatBytes(MIN_PART_SIZE)} and ${formatBytes(MAX_PART_SIZE)}.`,
    );
  }
  return bytes;
}

export function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 1000) {
    throw new InvalidArgumentError('Expected an integer from 1 to 1000.');
  }
  return n;
}

function collectMeta(text: string, previous: Record<string, string> | undefined) {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('Expected name=value.');
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

/** `oss://bucket/key`. A key ending in "/" (or none) takes the file's name, as `cp` would. */
export function parseOssUrl(text: string, sourceName?: string): { bucket: string; key: string } {
  const match = /^oss:\/\/([^/]+)\/?(.*)$/s.exec(text);
  if (!match) throw new UsageError(`expected a destination like oss://bucket/key, got "${text}"`);
  const bucket = match[1] as string;
  let key = match[2] as string;
  if (key === '' || key.endsWith('/')) {
    if (!sourceName) {
      throw new UsageError(`"${text}" names no object key (standard input has no file name)`);
    }
    key += sourceName;
  }
  return { bucket, key };
}

const PUT_HELP = `
Credentials come only from the environment, never from flags (shell history, ps):
  OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET [, OSS_SESSION_TOKEN], or
  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET [, ALIBABA_CLOUD_SECURITY_TOKEN].
Endpoint and region: --endpoint / $OSS_ENDPOINT, --region / $OSS_REGION.

Exit codes: 0 ok, 2 usage error, 3 authentication error, 4 transfer failure,
130 interrupted (Ctrl-C; the upload is aborted on the server first).

Examples:
  oss-multipart-stream put backup.tar oss://my-bucket/backups/
  pg_dump mydb | oss-multipart-stream put - oss://my-bucket/db.sql --part-size 64MiB
`;

/**
 * Parse `argv` (without node and the script) and run the chosen command. Returns its exit
 * code; commander's own errors (unknown option, bad value, missing argument) become 2.
 */
export async function parseAndRun(
  argv: string[],
  handlers: Handlers,
  output: Output,
): Promise<number | undefined> {
  let code: number | undefined;
  const program = buildProgram(
    {
      put: async (...args) => (code = await handlers.put(...args)),
      emulator: async (args) => (code = await handlers.emulator(args)),
    },
    output,
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  return code;
}

/** The command line; actions return exit codes instead of exiting. */
function buildProgram(handlers: Handlers, output: Output): Command {
  const program = new Command('oss-multipart-stream')
    .description('Stream files or standard input into Alibaba Cloud OSS with multipart upload.')
    .configureOutput(output)
    .exitOverride()
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('put')
    .description('Upload a file, or standard input (-), to oss://bucket/key.')
    .addHelpText('after', PUT_HELP)
    .argument('<source>', 'file to upload, or - for standard input')
    .argument('<destination>', 'oss://bucket/key (a trailing / appends the file name)')
    .option('--endpoint <url>', 'OSS endpoint (default: $OSS_ENDPOINT, or derived from --region)')
    .option('--region <id>', 'region for V4 signing, e.g. cn-hangzhou (default: $OSS_REGION)')
    .option(
      '--part-size <size>',
      'bytes per part, e.g. 8MiB or 8388608 (default 8MiB)',
      parsePartSize,
    )
    .option('--concurrency <n>', 'parts uploading at once (default 4)', parseConcurrency)
    .addOption(
      new Option('--signature-version <version>', 'request signing')
        .choices(['v4', 'v1'])
        .default('v4'),
    )
    .option('--path-style', 'put the bucket in the path instead of the host name')
    .option('--content-type <type>', 'Content-Type of the object')
    .option('--meta <name=value>', 'user metadata (x-oss-meta-*); repeatable', collectMeta)
    .addOption(
      new Option('--storage-class <class>', 'storage class').choices([
        'Standard',
        'IA',
        'Archive',
        'ColdArchive',
        'DeepColdArchive',
      ]),
    )
    .addOption(
      new Option('--sse <mode>', 'server-side encryption').choices(['AES256', 'KMS', 'SM4']),
    )
    .option('--sse-key-id <id>', 'KMS key id (with --sse KMS)')
    .option('--json', 'print one JSON object (result or error) on stdout; no progress', false)
    .option('--no-progress', 'no progress output')
    .action(async (source: string, destination: string, flags: PutFlags) => {
      await handlers.put(source, destination, flags);
    });

  program
    .command('emulator')
    .description('Run the local OSS emulator in the foreground (emulator --help for options).')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[options...]')
    .action(async (args: string[]) => {
      await handlers.emulator(args);
    });

  return program;
}
