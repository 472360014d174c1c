import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator.ts';
import type { EmulatorOptions } from './types.ts';

const USAGE = `Usage: oss-multipart-stream emulator [options]

Run a local OSS emulator in the foreground until SIGINT/SIGTERM.

Options:
  --port <n>                 TCP port (default 9000; 0 = any free port)
  --host <addr>              interface to listen on (default 127.0.0.1)
  --dir <path>               keep data in this directory (default: in memory)
  --bucket <name>            bucket to create; repeatable (default test-bucket)
  --region <id>              region for V4 signing scopes (default cn-hangzhou)
  --access-key-id <id>       use this key pair instead of a generated one
  --access-key-secret <s>
  --fast                     skip server-side MD5/CRC-64 (benchmark fast path)
  --tls                      serve HTTPS; the test authority's certificate is written to a
                             file, printed as NODE_EXTRA_CA_CERTS=<file>
  --ca-out <path>            where --tls writes that certificate (default: a file in the
                             OS temp directory)
  -h, --help                 show this help
`;

export interface EmulatorCliIo {
  stdout?: Writable | undefined;
  stderr?: Writable | undefined;
  /** Stops the emulator like SIGINT would (for embedding and tests). */
  signal?: AbortSignal | undefined;
}

/**
 * `oss-multipart-stream emulator ...`: start, print how to connect, run until a signal.
 * Resolves with the process exit code once the emulator is closed.
 */
export async function runEmulatorCli(argv: string[], io: EmulatorCliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    stdout.write(USAGE);
    return 0;
  }
  const port = values.port === undefined ? 9000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    stderr.write(`--port must be an integer 0..65535, got ${values.port}\n`);
    return 2;
  }
  if ((values['access-key-id'] === undefined) !== (values['access-key-secret'] === undefined)) {
    stderr.write('--access-key-id and --access-key-secret go together\n');
    return 2;
  }
  const options: EmulatorOptions = {
    port,
    host: values.host,
    dir: values.dir,
    buckets: values.bucket,
    region: values.region,
    verifyContent: !values.fast,
    tls: values.tls ?? false,
  };
  if (values['ca-out'] !== undefined && !values.tls) {
    stderr.write('--ca-out needs --tls\n');
    return 2;
  }
  if (values['access-key-id'] !== undefined) {
    options.credentials = [
      { accessKeyId: values['access-key-id'], accessKeySecret: values['access-key-secret']! },
    ];
  }

  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(options);
  } catch (err) {
    stderr.write(`Cannot start the OSS emulator: ${(err as Error).message}\n`);
    return 1;
  }
  let caFile: string | undefined;
  if (emulator.ca !== undefined) {
    caFile =
      values['ca-out'] ??
      join(tmpdir(), `oss-emulator-ca-${new URL(emulator.endpoint).port}-${process.pid}.pem`);
    try {
      await writeFile(caFile, emulator.ca);
    } catch (err) {
      await emulator.close();
      stderr.write(`Cannot write the CA certificate: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const buckets = options.buckets ?? ['test-bucket'];
  // These are the emulator's own throwaway test credentials; printing them is the point.
  stdout.write(
    [
      `OSS emulator listening on ${emulator.endpoint}${options.dir ? ` (data in ${options.dir})` : ' (in memory)'}`,
      `OSS_ENDPOINT=${emulator.endpoint}`,
      `OSS_REGION=${emulator.region}`,
      `OSS_BUCKET=${buckets[0]}`,
      ...buckets.slice(1).map((b) => `# also bucket: ${b}`),
      `OSS_ACCESS_KEY_ID=${emulator.credentials.accessKeyId}`,
      `OSS_ACCESS_KEY_SECRET=${emulator.credentials.accessKeySecret}`,
      ...(caFile ? [`NODE_EXTRA_CA_CERTS=${caFile}`] : []),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
  await emulator.close();
  stdout.write('OSS emulator stopped.\n');
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      dir: { type: 'string' },
      bucket: { type: 'string', multiple: true },
      region: { type: 'string' },
      'access-key-id': { type: 'string' },
      'access-key-secret': { type: 'string' },
      fast: { type: 'boolean' },
      tls: { type: 'boolean' },
      'ca-out': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
