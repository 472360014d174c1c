import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import type { ConnectionFlags } from './connect.ts';
import { ExitCode, exitCodeHelp } from './exit-codes.ts';
import {
  collectMeta,
  parseAge,
  parseConcurrency,
  parsePartSize,
  parseResume,
  parseTagging,
} from './parse.ts';

export interface PutFlags extends ConnectionFlags {
  partSize?: number;
  concurrency?: number;
  contentType?: string;
  meta?: Record<string, string>;
  storageClass?: 'Standard' | 'IA' | 'Archive' | 'ColdArchive' | 'DeepColdArchive';
  sse?: 'AES256' | 'KMS' | 'SM4';
  sseKeyId?: string;
  acl?: 'private' | 'public-read' | 'public-read-write' | 'default';
  cacheControl?: string;
  contentDisposition?: string;
  tagging?: Record<string, string>;
  forbidOverwrite?: boolean;
  /** An upload id, or 'latest'. */
  resume?: string;
  leavePartsOnError?: boolean;
  json: boolean;
  progress: boolean;
  quiet?: boolean;
}

export interface GetFlags extends ConnectionFlags {
  json: boolean;
  progress: boolean;
  quiet?: boolean;
}

export interface UploadsListFlags extends ConnectionFlags {
  json: boolean;
}

export interface UploadsAbortFlags extends ConnectionFlags {
  uploadId?: string;
  /** Milliseconds. */
  olderThan?: number;
  json: boolean;
  quiet?: boolean;
}

export interface Handlers {
  put(source: string, destination: string, flags: PutFlags): Promise<number>;
  get(source: string, destination: string, flags: GetFlags): Promise<number>;
  uploadsList(target: string, flags: UploadsListFlags): Promise<number>;
  uploadsAbort(target: string, flags: UploadsAbortFlags): Promise<number>;
  emulator(args: string[]): Promise<number | undefined>;
}

export interface Output {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** The package version (package.json sits two levels up from lib/cli and from dist/cli). */
export function packageVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

const CREDENTIALS_HELP = `
Credentials come only from the environment, never from flags (shell history, ps):
  OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET [, OSS_SESSION_TOKEN], or
  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET [, ALIBABA_CLOUD_SECURITY_TOKEN].
Endpoint and region: --endpoint / $OSS_ENDPOINT, --region / $OSS_REGION.
Sizes are binary whatever the spelling: 8MB = 8MiB = 8M = 8388608 bytes (as aws s3 cp reads them).
`;

const PUT_EXAMPLES = `
Examples:
  oss-multipart-stream put backup.tar oss://my-bucket/backups/
  pg_dump mydb | oss-multipart-stream put - oss://my-bucket/db.sql --part-size 64MiB
  oss-multipart-stream put backup.tar oss://my-bucket/backups/ --resume latest
`;

const GET_EXAMPLES = `
The download is checked against the object's CRC-64 as it arrives; on a mismatch the file is
not created (a partial download is written beside it and deleted) and the exit code is 4.
Written to standard output (-), bytes already written cannot be taken back: check the exit code.

Examples:
  oss-multipart-stream get oss://my-bucket/backups/backup.tar ./backup.tar
  oss-multipart-stream get oss://my-bucket/db.sql - | psql mydb
`;

const UPLOADS_HELP = `
An interrupted put leaves its parts on OSS (billed as storage) until the upload is resumed
(put --resume) or aborted. A bucket lifecycle rule can remove them after N days.

Examples:
  oss-multipart-stream uploads ls oss://my-bucket/backups/
  oss-multipart-stream uploads abort oss://my-bucket/backups/backup.tar
  oss-multipart-stream uploads abort oss://my-bucket/ --older-than 7d
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
      get: async (...args) => (code = await handlers.get(...args)),
      uploadsList: async (...args) => (code = await handlers.uploadsList(...args)),
      uploadsAbort: async (...args) => (code = await handlers.uploadsAbort(...args)),
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

function connectionOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'OSS endpoint (default: $OSS_ENDPOINT, or derived from --region)')
    .option('--region <id>', 'region for V4 signing, e.g. cn-hangzhou (default: $OSS_REGION)')
    .addOption(
      new Option('--signature-version <version>', 'request signing')
        .choices(['v4', 'v1'])
        .default('v4'),
    )
    .option('--path-style', 'put the bucket in the path instead of the host name');
}

/** A subcommand that inherits the program's output and error handling. */
function subcommand(parent: Command, name: string, output: Output): Command {
  return parent
    .command(name)
    .configureOutput(output)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
}

/** The command line; actions return exit codes instead of exiting. */
function buildProgram(handlers: Handlers, output: Output): Command {
  const program = new Command('oss-multipart-stream')
    .description('Stream files or standard input into Alibaba Cloud OSS with multipart upload.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .configureOutput(output)
    .exitOverride()
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `${CREDENTIALS_HELP}\n${exitCodeHelp()}`);

  connectionOptions(subcommand(program, 'put', output))
    .description('Upload a file, or standard input (-), to oss://bucket/key.')
    .addHelpText('after', `${CREDENTIALS_HELP}${PUT_EXAMPLES}\n${exitCodeHelp()}`)
    .argument('<source>', 'file to upload, or - for standard input')
    .argument('<destination>', 'oss://bucket/key (a trailing / appends the file name)')
    .option(
      '--part-size <size>',
      'bytes per part, e.g. 8MiB, 8MB (both 8388608) or 8388608 (default 8MiB)',
      parsePartSize,
    )
    .option('--concurrency <n>', 'parts uploading at once (default 4)', parseConcurrency)
    .option(
      '--content-type <type>',
      'Content-Type of the object (default: guessed from the file name or key)',
    )
    .option('--cache-control <value>', 'Cache-Control of the object')
    .option('--content-disposition <value>', 'Content-Disposition of the object')
    .option('--meta <name=value>', 'user metadata (x-oss-meta-*); repeatable', collectMeta)
    .option('--tagging <k=v&k2=v2>', 'object tags, URL-encoded pairs joined by &', parseTagging)
    .addOption(
      new Option('--acl <acl>', 'object ACL').choices([
        'private',
        'public-read',
        'public-read-write',
        'default',
      ]),
    )
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
    .option('--forbid-overwrite', 'fail (FileAlreadyExists, exit 4) if the object exists')
    .option(
      '--resume <uploadId|latest>',
      'continue an interrupted upload (latest: the newest for this key); parts already on ' +
        'the server are not sent again',
      parseResume,
    )
    .option(
      '--leave-parts-on-error',
      'on failure or Ctrl-C keep the uploaded parts on the server for --resume',
    )
    .option('--json', 'print one JSON object (result or error) on stdout; no progress', false)
    .option('--no-progress', 'no progress output')
    .option('-q, --quiet', 'print nothing but errors (and the --json object)')
    .action(async (source: string, destination: string, flags: PutFlags) => {
      await handlers.put(source, destination, flags);
    });

  connectionOptions(subcommand(program, 'get', output))
    .description('Download oss://bucket/key to a file, or to standard output (-).')
    .addHelpText('after', `${CREDENTIALS_HELP}${GET_EXAMPLES}\n${exitCodeHelp()}`)
    .argument('<source>', 'oss://bucket/key')
    .argument('<destination>', 'file to write (replaced only once verified), or - for stdout')
    .option('--json', 'print one JSON object (result or error) on stdout; no progress', false)
    .option('--no-progress', 'no progress output')
    .option('-q, --quiet', 'print nothing but errors (and the --json object)')
    .action(async (source: string, destination: string, flags: GetFlags) => {
      await handlers.get(source, destination, flags);
    });

  const uploads = subcommand(program, 'uploads', output)
    .description('List or abort multipart uploads in progress (left by interrupted puts).')
    .addHelpText('after', `${UPLOADS_HELP}\n${exitCodeHelp()}`);

  connectionOptions(subcommand(uploads, 'ls', output))
    .description('List uploads in progress under oss://bucket[/prefix], oldest first.')
    .addHelpText('after', `${UPLOADS_HELP}\n${exitCodeHelp()}`)
    .argument('<location>', 'oss://bucket or oss://bucket/prefix')
    .option('--json', 'print a JSON array on stdout', false)
    .action(async (target: string, flags: UploadsListFlags) => {
      await handlers.uploadsList(target, flags);
    });

  connectionOptions(subcommand(uploads, 'abort', output))
    .description(
      'Abort uploads of oss://bucket/key, or under oss://bucket/prefix/ (with --older-than).',
    )
    .addHelpText('after', `${UPLOADS_HELP}\n${exitCodeHelp()}`)
    .argument('<location>', 'oss://bucket/key (exactly that key) or oss://bucket/prefix/')
    .option('--upload-id <id>', 'abort only this upload (of the key given)')
    .option(
      '--older-than <age>',
      'only uploads initiated longer ago than this: 7d, 12h, 30m',
      parseAge,
    )
    .option('--json', 'print a JSON array of the aborted uploads on stdout', false)
    .option('-q, --quiet', 'print nothing but errors (and the --json array)')
    .action(async (target: string, flags: UploadsAbortFlags) => {
      await handlers.uploadsAbort(target, flags);
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
