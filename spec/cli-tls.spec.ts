/** The command line over HTTPS: the emulator's generated CA trusted through NODE_EXTRA_CA_CERTS. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import { CLI, cliEnv, NODE, runCli, startCli } from './helpers/cli.ts';
import { BUCKET, patternBytes } from './helpers/oss.ts';

let emulator: Emulator;
let dir: string;
let caFile: string;

beforeAll(async () => {
  emulator = await startEmulator({ buckets: [BUCKET], tls: true });
  dir = await mkdtemp(join(tmpdir(), 'cli-tls-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, emulator.ca as string);
});

afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('put and get over HTTPS', () => {
  it('trust the emulator through NODE_EXTRA_CA_CERTS and round-trip the bytes', async () => {
    expect(emulator.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const data = patternBytes(300 * 1024 + 3, 41);
    const file = join(dir, 'tls.bin');
    await writeFile(file, data);
    const env = cliEnv(emulator, { NODE_EXTRA_CA_CERTS: caFile });

    const put = await runCli(
      ['put', file, `oss://${BUCKET}/tls/tls.bin`, '--part-size', '100KiB', '--json'],
      env,
    );
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ partCount: 4, size: data.length });

    const out = join(dir, 'back.bin');
    const get = await runCli(['get', `oss://${BUCKET}/tls/tls.bin`, out], env);
    expect(get.code).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
  });

  it('without the CA the certificate is refused: exit 4, nothing uploaded', async () => {
    const run = await runCli(
      ['put', '-', `oss://${BUCKET}/tls/untrusted.txt`],
      cliEnv(emulator),
      'x',
    );
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/certificate|CERT/i);
    expect(emulator.headObject(BUCKET, 'tls/untrusted.txt')).toBeUndefined();
  });
});

describe('emulator --tls', () => {
  it('exports NODE_EXTRA_CA_CERTS; eval them and put/get work over https', async () => {
    const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const cli = startCli(['emulator', '--port', '0', '--tls'], base);
    try {
      await vi.waitFor(
        () => {
          if (cli.child.exitCode !== null) throw new Error(`emulator exited: ${cli.stderr()}`);
          expect(cli.stdout()).toMatch(/^export NODE_EXTRA_CA_CERTS=.*\n/m);
        },
        { timeout: 20_000, interval: 50 },
      );
      const exports = cli.stdout();
      expect(exports).toMatch(/^export OSS_ENDPOINT='https:\/\/127\.0\.0\.1:\d+'$/m);
      const child = spawn(
        'bash',
        [
          '-c',
          `set -e; eval "$EXPORTS"
           printf 'over https' | ${NODE} ${CLI} put - "oss://$OSS_BUCKET/tls.txt" -q
           ${NODE} ${CLI} get "oss://$OSS_BUCKET/tls.txt" - -q`,
        ],
        { env: { ...base, EXPORTS: exports }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toBe('over https');
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
  });
});
