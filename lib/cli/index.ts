#!/usr/bin/env node
/**
 * `oss-multipart-stream`: put, get, uploads ls/abort and emulator. Exit codes are listed in
 * exit-codes.ts (and by --help).
 */
import { parseAndRun } from './args.ts';
import { ExitCode } from './exit-codes.ts';

const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
};
const output = {
  writeOut: (text: string) => io.stdout.write(text),
  writeErr: (text: string) => io.stderr.write(text),
};

let code: number | undefined;
try {
  // Each command's module is loaded when it runs: `put` should not pay for the emulator.
  code = await parseAndRun(
    process.argv.slice(2),
    {
      put: async (...args) => (await import('./put.ts')).runPut(...args, io),
      get: async (...args) => (await import('./get.ts')).runGet(...args, io),
      uploadsList: async (...args) => (await import('./uploads.ts')).runUploadsList(...args, io),
      uploadsAbort: async (...args) => (await import('./uploads.ts')).runUploadsAbort(...args, io),
      emulator: async (args) => (await import('./emulator.ts')).runEmulatorCommand(args, output),
    },
    output,
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
