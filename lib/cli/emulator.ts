import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Output } from './args.ts';
import { ExitCode } from './exit-codes.ts';

interface EmulatorFlags {
  port: number;
  host: string;
  dir?: string;
  bucket: string[];
  region?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  fast?: boolean;
  tls?: boolean;
}

/** Single quotes for POSIX shells: nothing inside is expanded; ' itself is closed and escaped. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new InvalidArgumentError('Expected an integer from 0 to 65535 (0: any free port).');
  }
  return port;
}

const EMULATOR_HELP = `
Everything on standard output is a shell comment or an export line, so a shell can take the
settings over, for example:

  oss-multipart-stream emulator --port 0 > emulator.env &
  sleep 1; eval "$(cat emulator.env)"
  oss-multipart-stream put big.iso oss://$OSS_BUCKET/

With --tls the emulator serves HTTPS with a certificate made at start; its CA is written to a
file named by the NODE_EXTRA_CA_CERTS export, which Node reads when a process starts.
`;

function parseFlags(argv: string[], output: Output): EmulatorFlags | number {
  const command = new Command('oss-multipart-stream emulator')
    .description('Run the local OSS emulator in the foreground until SIGINT or SIGTERM.')
    .configureOutput(output)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EMULATOR_HELP)
    .option('--port <n>', 'TCP port (0: any free port)', parsePort, 9000)
    .option('--host <addr>', 'interface to listen on', '127.0.0.1')
    .option('--dir <path>', 'keep data in this directory (default: in memory)')
    .option(
      '--bucket <name>',
      'bucket to create; repeatable (default test-bucket)',
      (name: string, previous: string[] | undefined) => [...(previous ?? []), name],
    )
    .option('--region <id>', 'region V4 signatures must name (default cn-hangzhou)')
    .option('--access-key-id <id>', 'use this key pair instead of a generated one')
    .option('--access-key-secret <secret>', 'the secret of --access-key-id')
    .option('--tls', 'serve HTTPS with a generated certificate')
    .option('--fast', 'skip server-side MD5/CRC-64 checks (benchmark fast path)');
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  const flags = command.opts<EmulatorFlags>();
  if ((flags.accessKeyId === undefined) !== (flags.accessKeySecret === undefined)) {
    output.writeErr('--access-key-id and --access-key-secret go together\n');
    return ExitCode.Usage;
  }
  flags.bucket ??= ['test-bucket'];
  return flags;
}

/**
 * `oss-multipart-stream emulator …`: start the emulator, print `export` lines a shell can
 * eval, run until SIGINT/SIGTERM (or `signal`). Resolves with the exit code once closed.
 */
export async function runEmulatorCommand(
  argv: string[],
  output: Output,
  signal?: AbortSignal,
): Promise<number> {
  const flags = parseFlags(argv, output);
  if (typeof flags === 'number') return flags;
  // Loaded here: the other commands should not pay for the emulator's modules.
  const { startEmulator } = await import('../testing/index.ts');
  const options: Parameters<typeof startEmulator>[0] & { tls?: boolean } = {
    port: flags.port,
    host: flags.host,
    dir: flags.dir,
    buckets: flags.bucket,
    region: flags.region,
    verifyContent: !flags.fast,
  };
  if (flags.tls) options.tls = true;
  if (flags.accessKeyId !== undefined) {
    options.credentials = [
      { accessKeyId: flags.accessKeyId, accessKeySecret: flags.accessKeySecret as string },
    ];
  }
  let emulator: Awaited<ReturnType<typeof startEmulator>> & { ca?: string };
  try {
    emulator = await startEmulator(options);
  } catch (error) {
    output.writeErr(`Cannot start the OSS emulator: ${(error as Error).message}\n`);
    return ExitCode.Internal;
  }
  let caDir: string | undefined;
  const exports: [string, string][] = [
    ['OSS_ENDPOINT', emulator.endpoint],
    ['OSS_REGION', emulator.region],
    ['OSS_BUCKET', flags.bucket[0] as string],
    // The emulator's own throwaway test credentials: printing them is the point.
    ['OSS_ACCESS_KEY_ID', emulator.credentials.accessKeyId],
    ['OSS_ACCESS_KEY_SECRET', emulator.credentials.accessKeySecret],
  ];
  if (emulator.ca) {
    caDir = await mkdtemp(join(tmpdir(), 'oss-emulator-ca-'));
    const caFile = join(caDir, 'ca.pem');
    await writeFile(caFile, emulator.ca);
    exports.push(['NODE_EXTRA_CA_CERTS', caFile]);
  }
  const storage = flags.dir ? `data in ${flags.dir}` : 'in memory';
  output.writeOut(
    [
      `# OSS emulator listening on ${emulator.endpoint} (${storage}); Ctrl-C stops it.`,
      ...flags.bucket.slice(1).map((b) => `# also bucket: ${b}`),
      ...exports.map(([name, value]) => `export ${name}=${shellQuote(value)}`),
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop);
  });
  await emulator.close();
  if (caDir) await rm(caDir, { recursive: true, force: true });
  output.writeOut('# OSS emulator stopped.\n');
  return ExitCode.Ok;
}
