/** Running the `oss-multipart-stream` command line as a subprocess, for the cli*.spec.ts files. */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Emulator } from '../../lib/testing/index.ts';

export const NODE = 'node_modules/.bin/node';
export const CLI = 'lib/cli/index.ts';

/** Only what the CLI needs: nothing from the developer's own OSS setup leaks in. */
export function cliEnv(
  emulator: Emulator,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OSS_ENDPOINT: emulator.endpoint,
    OSS_REGION: emulator.region,
    OSS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    OSS_ACCESS_KEY_SECRET: emulator.credentials.accessKeySecret,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes (for downloads to -). */
  stdoutBytes: Buffer;
}

/** A running CLI whose output so far can be read while it runs. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<Run>;
}

/** Collects a child's output (stdout also as bytes) until it closes. */
export function collect(child: ChildProcess): {
  stdout(): string;
  stderr(): string;
  done: Promise<Run>;
} {
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString(), stderr, stdoutBytes });
    });
  });
  return { stdout: () => Buffer.concat(out).toString(), stderr: () => stderr, done };
}

export function startCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(NODE, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return { child, ...collect(child) };
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: Buffer | string,
): Promise<Run> {
  const running = startCli(args, env);
  running.child.stdin?.end(stdin);
  return running.done;
}
