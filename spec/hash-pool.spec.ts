/**
 * The hash engines below the HTTP layer: inline hashing, the worker pool (from the sources and
 * as the bundled script the build inlines), workers that die, and the rule that the pool never
 * keeps a process alive by itself.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bundleHashWorker } from '../scripts/hash-worker-bundle.ts';
import { crc64 } from '../lib/checksum/crc64.ts';
import {
  type HashEngine,
  inlineHashEngine,
  type SealedPart,
  WorkerHashPool,
} from '../lib/checksum/part-hasher.ts';
import { OssStreamError } from '../lib/errors.ts';

const hasherFile = new URL('../lib/checksum/part-hasher.ts', import.meta.url);

/** Segments as the part buffer makes them: each on its own ArrayBuffer (they get transferred). */
function segments(sizes: number[]): Buffer[] {
  return sizes.map(segment);
}

function segment(size: number): Buffer {
  const bytes = Buffer.from(new ArrayBuffer(size));
  randomBytes(size).copy(bytes);
  return bytes;
}

/** A segment the poisoned worker reacts to. */
function poison(): Buffer {
  const bytes = segment(1000);
  bytes[0] = 0xee;
  return bytes;
}

async function hashPart(engine: HashEngine, parts: Buffer[]): Promise<SealedPart> {
  const hashing = engine.begin();
  for (const segment of parts) hashing.update(segment);
  return hashing.finish();
}

function expectDigestOf(sealed: SealedPart, expected: Buffer): void {
  expect(sealed.md5.equals(createHash('md5').update(expected).digest())).toBe(true);
  expect(sealed.crc64).toBe(crc64(expected));
  expect(Buffer.concat(sealed.body).equals(expected)).toBe(true);
}

/**
 * A worker that behaves like the real one (the bundle the build inlines), except that it exits
 * with code 7 (or throws) when it receives a segment starting with 0xEE, or exits on 'finish'.
 * Its listener is registered before the real worker's, so it sees each message first.
 */
async function poisonedWorker(
  mode: 'exit' | 'throw' | 'exit-on-finish',
): Promise<{ source: string }> {
  const act = mode === 'throw' ? "throw new Error('boom in the hash worker')" : 'process.exit(7)';
  const trigger =
    mode === 'exit-on-finish'
      ? "m.type === 'finish'"
      : "m.type === 'update' && new Uint8Array(m.segment.buffer)[0] === 0xee";
  const listener = `require('node:worker_threads').parentPort.on('message', (m) => { if (${trigger}) { ${act}; } });`;
  return { source: `${listener}\n${await bundleHashWorker()}` };
}

const pools: WorkerHashPool[] = [];
function pool(options: ConstructorParameters<typeof WorkerHashPool>[0] = {}): WorkerHashPool {
  const created = new WorkerHashPool(options);
  pools.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function expectHashWorkerFailure(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OssStreamError);
  expect(error).toMatchObject({ code: 'ERR_OSS_UPLOAD_FAILED' });
  expect((error as Error).message).toMatch(reason);
}

describe('inline hashing', () => {
  it('hashes a part of several segments and hands the segments back in order', async () => {
    const parts = segments([1024 * 1024, 1024 * 1024, 12345]);
    const expected = Buffer.concat(parts);
    expectDigestOf(await hashPart(inlineHashEngine, parts), expected);
  });

  it('hashes an empty part', async () => {
    expectDigestOf(await hashPart(inlineHashEngine, []), Buffer.alloc(0));
  });
});

describe('worker hash pool', () => {
  it('hashes parts in parallel on its workers, each with its own digest', async () => {
    const hashPool = pool({ size: 2 });
    const inputs = Array.from({ length: 5 }, (_, i) => segments([256 * 1024, 1000 + i]));
    const expected = inputs.map((parts) => Buffer.concat(parts));
    // All five parts are open at once, spread over both workers.
    const hashings = inputs.map(() => hashPool.begin());
    for (const [i, parts] of inputs.entries()) {
      for (const segment of parts) hashings[i]!.update(segment);
    }
    const sealed = await Promise.all(hashings.map((h) => h.finish()));
    for (const [i, part] of sealed.entries()) expectDigestOf(part, expected[i]!);
    expect(hashPool.liveWorkers).toBe(2);
  });

  it('runs the bundled worker script the build inlines (eval) like the sources', async () => {
    const hashPool = pool({ size: 1, code: { source: await bundleHashWorker() } });
    const parts = segments([1024 * 1024, 777]);
    const expected = Buffer.concat(parts);
    expectDigestOf(await hashPart(hashPool, parts), expected);
  });

  it('keeps working after a part is discarded', async () => {
    const hashPool = pool({ size: 1 });
    const dropped = hashPool.begin();
    dropped.update(segment(1000));
    dropped.discard();
    const parts = segments([4096]);
    const expected = Buffer.concat(parts);
    expectDigestOf(await hashPart(hashPool, parts), expected);
  });

  it('fails the awaited part with a typed error when its worker exits', async () => {
    const hashPool = pool({ size: 1, code: await poisonedWorker('exit-on-finish') });
    await expectHashWorkerFailure(
      hashPart(hashPool, segments([1000])),
      /hash worker exited with code 7/,
    );
  });

  it('fails the awaited part with a typed error when its worker throws', async () => {
    const hashPool = pool({ size: 1, code: await poisonedWorker('throw') });
    await expectHashWorkerFailure(hashPart(hashPool, [poison()]), /boom in the hash worker/);
  });

  it('fails a part whose worker died before finish() was called, instead of hanging', async () => {
    const hashPool = pool({ size: 1, code: await poisonedWorker('exit') });
    const hashing = hashPool.begin();
    hashing.update(poison());
    await vi.waitFor(() => expect(hashPool.liveWorkers).toBe(0), { timeout: 10_000 });
    await expectHashWorkerFailure(hashing.finish(), /hash worker exited with code 7/);
  });

  it('starts a fresh worker for the next part after one died', async () => {
    const hashPool = pool({ size: 1, code: await poisonedWorker('exit') });
    await expectHashWorkerFailure(hashPart(hashPool, [poison()]), /exited with code 7/);
    const parts = segments([1000]);
    parts[0]![0] = 0x01;
    const expected = Buffer.concat(parts);
    expectDigestOf(await hashPart(hashPool, parts), expected);
    expect(hashPool.liveWorkers).toBe(1);
  });

  it('fails parts still awaited when the pool is closed', async () => {
    // This worker never answers 'finish', so the digest stays awaited until close().
    const silent = { source: "require('node:worker_threads').parentPort.on('message', () => {});" };
    const hashPool = pool({ size: 1, code: silent });
    const pending = hashPart(hashPool, segments([1000]));
    await hashPool.close();
    await expectHashWorkerFailure(pending, /hash pool was closed/);
    expect(hashPool.liveWorkers).toBe(0);
  });
});

describe('closing the pool', () => {
  it('stops its workers; a later part starts new ones', async () => {
    const hashPool = pool({ size: 2 });
    await Promise.all([hashPart(hashPool, segments([1000])), hashPart(hashPool, segments([1000]))]);
    expect(hashPool.liveWorkers).toBe(2);
    await hashPool.close();
    expect(hashPool.liveWorkers).toBe(0);
    const parts = segments([2048]);
    const expected = Buffer.concat(parts);
    expectDigestOf(await hashPart(hashPool, parts), expected);
    expect(hashPool.liveWorkers).toBe(1);
  });
});

describe('the pool and the process lifetime', () => {
  let scriptDir: string | undefined;
  afterEach(() => {
    if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
    scriptDir = undefined;
  });

  /**
   * Run a module script on this Node, from a file or with `--input-type=module -e`; resolve with
   * its exit code and output, or fail when it has not exited by itself at the deadline.
   */
  async function runScript(
    script: string,
    how: 'file' | 'eval',
  ): Promise<{ code: number | null; stdout: string }> {
    let args = ['--input-type=module', '-e', script];
    if (how === 'file') {
      scriptDir = mkdtempSync(join(tmpdir(), 'hash-pool-spec-'));
      writeFileSync(join(scriptDir, 'main.mjs'), script);
      args = [join(scriptDir, 'main.mjs')];
    }
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(deadline);
    expect(signal, 'the process did not exit by itself within 15 s').toBeNull();
    return { code, stdout };
  }

  const setup = `
    import { WorkerHashPool } from ${JSON.stringify(hasherFile.href)};
    const hashing = new WorkerHashPool().begin();
    hashing.update(Buffer.from(new ArrayBuffer(1024 * 1024)).fill(1));
  `;
  const printDigest = `hashing.finish().then((d) => console.log('md5', d.md5.toString('hex')));`;
  const expectedMd5 = createHash('md5')
    .update(Buffer.alloc(1024 * 1024, 1))
    .digest('hex');

  it('lets the process exit while a part is begun but never finished', async () => {
    const { code, stdout } = await runScript(`${setup} console.log('left open');`, 'file');
    expect(code).toBe(0);
    expect(stdout).toContain('left open');
  });

  it('keeps the process alive while a digest is awaited, then lets it exit', async () => {
    const { code, stdout } = await runScript(`${setup} ${printDigest}`, 'file');
    expect(code).toBe(0);
    expect(stdout).toContain(`md5 ${expectedMd5}`);
  });

  it('hashes in a process started with flags a worker must not inherit (--input-type)', async () => {
    const { code, stdout } = await runScript(`${setup} ${printDigest}`, 'eval');
    expect(code).toBe(0);
    expect(stdout).toContain(`md5 ${expectedMd5}`);
  });
});
