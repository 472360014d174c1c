/**
 * The proxy examples run as programs (`node examples/<file>.ts`), on the Node versions the README
 * names: they serve an upload, and SIGTERM with an upload in flight stops them cleanly — the
 * upload aborted on OSS, the process gone by itself with status 0.
 *
 * Node 22 comes from npm's cache (`npx -p node@22`, as spec/package.spec.ts fetches it); when it
 * cannot be had, the Node 22 cases fail with the reason.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BUCKET, generatedSource, hashingTap, md5, useOss } from './helpers/oss.ts';
import { formHead, formHeaders, send } from './helpers/proxy-behaviour.ts';

const ROOT = new URL('../', import.meta.url);

/** The package's own name resolved to its sources in the child, as vi.mock does in specs. */
const PACKAGE_HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const targets = ${JSON.stringify({
  'oss-multipart-stream': new URL('lib/index.ts', ROOT).href,
  'oss-multipart-stream/testing': new URL('lib/testing/index.ts', ROOT).href,
})};
registerHooks({
  resolve: (specifier, context, next) =>
    Object.hasOwn(targets, specifier)
      ? { url: targets[specifier], shortCircuit: true }
      : next(specifier, context),
});
`)}`;

const oss = useOss();

const runtimes: Record<string, string | Error> = { 'Node 24': process.execPath };

beforeAll(async () => {
  try {
    const { stdout } = await promisify(execFile)(
      'npx',
      ['-y', '-p', 'node@22', '-c', 'node -p process.execPath'],
      { timeout: 180_000 },
    );
    runtimes['Node 22'] = stdout.trim();
  } catch (error) {
    runtimes['Node 22'] = new Error(`npx -p node@22 failed: ${(error as Error).message}`);
  }
}, 200_000);

interface Started {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

async function startExample(node: string, file: string): Promise<Started> {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawn(
    node,
    [`--import=${PACKAGE_HOOK}`, new URL(`examples/${file}`, ROOT).pathname, '0'],
    {
      env: {
        ...env,
        OSS_ENDPOINT: oss.emulator.endpoint,
        OSS_REGION: oss.emulator.region,
        OSS_BUCKET: BUCKET,
        OSS_ACCESS_KEY_ID: oss.emulator.credentials.accessKeyId,
        OSS_ACCESS_KEY_SECRET: oss.emulator.credentials.accessKeySecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const listening = once(child.stdout as Readable, 'data').then(([line]) => String(line));
  const first = await Promise.race([listening, exited.then((e) => `exited ${JSON.stringify(e)}`)]);
  const port = /127\.0\.0\.1:(\d+)/.exec(first)?.[1];
  if (!port) throw new Error(`${file} did not start: ${first}\n${stderr}`);
  return { child, url: `http://127.0.0.1:${port}`, exited, stderr: () => stderr };
}

for (const runtime of ['Node 24', 'Node 22'] as const) {
  for (const [file, kind] of [
    ['proxy-server.ts', 'PUT'],
    ['express-proxy.ts', 'form'],
  ] as const) {
    describe(`examples/${file} as a program on ${runtime}`, () => {
      it('serves an upload; SIGTERM with another in flight aborts it on OSS and the process exits by itself', async () => {
        const node = runtimes[runtime];
        if (node instanceof Error || node === undefined) throw node ?? new Error('no runtime');
        const example = await startExample(node, file);
        try {
          const tap = hashingTap();
          const size = 300 * 1024;
          const stored = await send(
            `${example.url}/upload/${runtime}/${file}/first.bin`,
            'PUT',
            generatedSource(size).pipe(tap),
          );
          expect(stored).toMatchObject({ status: 200, body: { size } });
          const object = await oss.emulator.getObject(BUCKET, `${runtime}/${file}/first.bin`);
          expect(object && md5(object)).toBe(tap.digest());

          // Another upload, held open once it exists on the server.
          const key = `${runtime}/${file}/in-flight.bin`;
          const boundary = 'term';
          const req = request(
            kind === 'form' ? `${example.url}/form` : `${example.url}/upload/${key}`,
            {
              method: kind === 'form' ? 'POST' : 'PUT',
              headers: kind === 'form' ? formHeaders(boundary) : {},
              agent: false,
            },
          );
          const answer = new Promise<number | string>((resolve) => {
            req.on('response', (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
          });
          if (kind === 'form') req.write(formHead(boundary, key, 'f'));
          // 8 MiB parts by default: more than one part's worth starts the upload.
          const chunk = Buffer.alloc(256 * 1024, 3);
          for (let sent = 0; sent <= 8 * 1024 * 1024; sent += chunk.length) req.write(chunk);
          await vi.waitFor(
            () => expect(oss.emulator.listUploads(BUCKET).map((u) => u.key)).toContain(key),
            { timeout: 30_000, interval: 20 },
          );

          example.child.kill('SIGTERM');
          const exit = await Promise.race([example.exited, sleep(30_000, 'still running')]);
          expect(exit, example.stderr()).toEqual({ code: 0, signal: null });
          expect(example.stderr()).toContain('SIGTERM');
          expect(oss.emulator.listUploads(BUCKET)).toEqual([]);
          expect(oss.emulator.headObject(BUCKET, key)).toBeUndefined();
          // Answered 503 while it stopped, or cut off with the connection.
          expect([503, 'ECONNRESET', 'EPIPE']).toContain(await answer);
          req.destroy();
        } finally {
          if (example.child.exitCode === null) example.child.kill('SIGKILL');
          await example.exited;
        }
      }, 90_000);
    });
  }
}

it('a second SIGTERM while the first is still aborting exits at once with status 1', async () => {
  const example = await startExample(process.execPath, 'proxy-server.ts');
  try {
    const key = 'second-signal/in-flight.bin';
    const req = request(`${example.url}/upload/${key}`, { method: 'PUT', agent: false });
    req.on('error', () => undefined);
    const chunk = Buffer.alloc(256 * 1024, 4);
    for (let sent = 0; sent <= 8 * 1024 * 1024; sent += chunk.length) req.write(chunk);
    await vi.waitFor(
      () => expect(oss.emulator.listUploads(BUCKET).map((u) => u.key)).toContain(key),
      { timeout: 30_000, interval: 20 },
    );
    // The abort is held far longer than the test waits: only the second signal can end it.
    oss.emulator.faults.add({ operation: 'AbortMultipartUpload', kind: 'stall', ms: 20_000 });
    example.child.kill('SIGTERM');
    await vi.waitFor(
      () => expect(oss.emulator.stats.requests.AbortMultipartUpload).toBeGreaterThan(0),
      { timeout: 30_000, interval: 20 },
    );
    example.child.kill('SIGTERM');
    const exit = await Promise.race([example.exited, sleep(15_000, 'still running')]);
    expect(exit, example.stderr()).toEqual({ code: 1, signal: null });
    req.destroy();
  } finally {
    if (example.child.exitCode === null) example.child.kill('SIGKILL');
    await example.exited;
  }
}, 90_000);

it('the examples read their settings from the environment and say which one is missing', async () => {
  const { NODE_OPTIONS: _ignored, OSS_BUCKET: _bucket, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [`--import=${PACKAGE_HOOK}`, new URL('examples/proxy-server.ts', ROOT).pathname, '0'],
    {
      env: { ...env, OSS_ENDPOINT: oss.emulator.endpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  expect(code).not.toBe(0);
  expect(stderr).toContain('set OSS_BUCKET');
});
