import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { shellQuote } from '../lib/cli/emulator.ts';
import { CLI, NODE, type RunningCli, runCli, startCli } from './helpers/cli.ts';

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

/** Start `emulator`, wait for its export lines, return them and the running process. */
async function startEmulatorCommand(args: string[]): Promise<{ cli: RunningCli; text: string }> {
  const cli = startCli(['emulator', '--port', '0', ...args], BASE_ENV);
  await vi.waitFor(
    () => {
      if (cli.child.exitCode !== null) throw new Error(`emulator exited: ${cli.stderr()}`);
      expect(cli.stdout()).toMatch(/^export OSS_ACCESS_KEY_SECRET=.*\n/m);
    },
    { timeout: 20_000, interval: 50 },
  );
  return { cli, text: cli.stdout() };
}

/** Run `script` in bash after eval'ing `exports`, as a user would. */
function bash(exports: string, script: string) {
  const child = spawn('bash', ['-c', `set -e; eval "$EMULATOR_EXPORTS"; ${script}`], {
    env: { ...BASE_ENV, EMULATOR_EXPORTS: exports },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('oss-multipart-stream emulator', () => {
  it('prints export lines that bash can eval, and put/get work with them', async () => {
    const { cli, text } = await startEmulatorCommand(['--bucket', 'cli-bucket']);
    try {
      // Every line is a comment or an export: the whole output can be eval'ed.
      for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(#|export )/);
      expect(text).toMatch(/^export OSS_ENDPOINT='http:\/\/127\.0\.0\.1:\d+'$/m);
      expect(text).toMatch(/^export OSS_BUCKET='cli-bucket'$/m);
      const run = await bash(
        text,
        `printf 'hello from bash' | ${NODE} ${CLI} put - "oss://$OSS_BUCKET/eval.txt" --no-progress
         ${NODE} ${CLI} get "oss://$OSS_BUCKET/eval.txt" - -q`,
      );
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Uploaded oss://cli-bucket/eval.txt');
      expect(run.stdout.endsWith('hello from bash')).toBe(true);
    } finally {
      cli.child.kill('SIGTERM');
    }
    const done = await cli.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('# OSS emulator stopped.');
  });

  it('quotes values so that quotes and dollars survive eval', async () => {
    const secret = `it's $HOME \`x\` "q"`;
    expect(shellQuote(secret)).toBe(`'it'\\''s $HOME \`x\` "q"'`);
    const { cli, text } = await startEmulatorCommand([
      '--access-key-id',
      'LTAIquotes',
      '--access-key-secret',
      secret,
    ]);
    try {
      const run = await bash(text, 'printf %s "$OSS_ACCESS_KEY_SECRET"');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(secret);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.done;
    }
  });

  it('--dir keeps objects across restarts; --fast stores them without a CRC-64', async () => {
    const data = await mkdtemp(join(tmpdir(), 'cli-emulator-dir-'));
    const keys = ['--access-key-id', 'LTAIpersist', '--access-key-secret', 'persist-secret'];
    try {
      const first = await startEmulatorCommand(['--dir', data, '--fast', ...keys]);
      try {
        expect(first.text).toContain(`(data in ${data})`);
        const put = await bash(
          first.text,
          `printf 'kept on disk' | ${NODE} ${CLI} put - "oss://$OSS_BUCKET/kept.txt" -q`,
        );
        expect(put.code).toBe(0);
      } finally {
        first.cli.child.kill('SIGTERM');
        await first.cli.done;
      }
      const second = await startEmulatorCommand(['--dir', data, ...keys]);
      try {
        const get = await bash(
          second.text,
          `${NODE} ${CLI} get "oss://$OSS_BUCKET/kept.txt" - --json`,
        );
        expect(get.code).toBe(0);
        expect(get.stdout).toBe('kept on disk');
        // Stored by the --fast emulator: no CRC-64 to check against.
        expect(JSON.parse(get.stderr)).toMatchObject({ ok: true, crc64Verified: false });
      } finally {
        second.cli.child.kill('SIGTERM');
        await second.cli.done;
      }
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('--help describes the options and the eval use; bad options exit 2', async () => {
    const help = await runCli(['emulator', '--help'], BASE_ENV);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: oss-multipart-stream emulator');
    expect(help.stdout).toContain('eval "$(cat emulator.env)"');
    expect(help.stdout).toContain('--tls');
    const bad = await runCli(['emulator', '--port', 'x'], BASE_ENV);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port.*0 to 65535/);
    const half = await runCli(['emulator', '--access-key-id', 'a'], BASE_ENV);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--access-key-id and --access-key-secret go together');
  });
});
