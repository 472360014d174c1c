import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Run `node examples/main-job/index.ts` (what `npm start` runs) and collect its output. */
function runMainJob(args: string[]) {
  const child = spawn('node_modules/.bin/node', ['examples/main-job/index.ts', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start (examples/main-job/index.ts)', () => {
  it('streams a generated payload through the emulator, reads it back and verifies it', async () => {
    const run = await runMainJob(['--size', '64MiB', '--part-size', '4MiB']);
    expect(run.stderr).not.toMatch(/fail|error/i);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^Local OSS emulator at http:\/\/127\.0\.0\.1:\d+ \(bucket test-bucket/);
    expect(out).toContain('Streaming 64.0 MiB of generated data, length unknown to the library');
    expect(out).toMatch(/Size\s+64\.0 MiB \(67108864 bytes\)/);
    expect(out).toMatch(/Parts\s+16\n/);
    expect(out).toMatch(/ETag\s+"[0-9A-F]{32}-16"/);
    const md5 = /MD5\s+([0-9a-f]{32}) \(source ([0-9a-f]{32})\): match/.exec(out);
    expect(md5?.[1]).toBe(md5?.[2]);
    const crc = /CRC-64\s+source (\d+), server (\d+), read back (\d+): match/.exec(out);
    expect(new Set(crc?.slice(1))).toEqual(new Set([crc?.[1]]));
    expect(out).toMatch(/CRC-64\s+(\d+)\n[\s\S]*source \1,/); // the upload's own CRC agrees too
    expect(out).toMatch(/Read back\s+64\.0 MiB by streaming GET/);
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      'Verified: the object read back is byte-identical to the generated stream.',
    );
    // Not a terminal: plain progress lines, ending at 100% with every part done.
    expect(run.stderr).toMatch(
      /progress: 100% 64\.0 MiB \/ 64\.0 MiB \| .* \| parts 16 done, 0 in flight/,
    );
  });

  it('is the package start script, and does not ship in the package', async () => {
    const { default: pkg } = await import('../package.json', { with: { type: 'json' } });
    expect(pkg.scripts.start).toBe('node examples/main-job/index.ts');
    // The package ships dist/, compiled from lib/ only: the demo lives outside it.
    const { default: tsconfig } = await import('../tsconfig.json', { with: { type: 'json' } });
    expect(tsconfig.include).toEqual(['lib']);
    expect(existsSync('lib/cli/main-job.ts')).toBe(false);
  });

  it('rejects a bad --size with exit 2', async () => {
    const run = await runMainJob(['--size', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--size.*Expected a size such as 512MiB/);
  });
});
