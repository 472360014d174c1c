#!/usr/bin/env node
/**
 * `oss-multipart-stream`: `put <file|-> oss://bucket/key` and `emulator`. Exit codes are
 * listed in exit-codes.ts.
 */
import { parseAndRun } from './args.ts';
import { ExitCode } from './exit-codes.ts';
import { runPut } from './put.ts';

const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
};

let code: number | undefined;
try {
  code = await parseAndRun(
    process.argv.slice(2),
    {
      put: (source, destination, flags) => runPut(source, destination, flags, io),
      // Loaded on demand: `put` should not pay for the emulator's modules.
      emulator: async (args) => (await import('../testing/cli.ts')).runEmulatorCli(args),
    },
    { writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) },
  );
} catch (error) {
  process.stderr.write(
    `oss-multipart-stream: internal error: ${(error as Error)?.stack ?? error}\n`,
  );
  code = ExitCode.Internal;
}
process.exitCode = code ?? ExitCode.Ok;
// Anything still holding the event loop (a stdin left open by an interrupted read) must not
// keep a finished command alive; unref'd, so a clean exit is not delayed by it.
setTimeout(() => process.exit(), 1000).unref();
