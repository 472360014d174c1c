/**
 * The package as a user gets it: built, packed with `npm pack`, installed from the tarball into a
 * fresh project, type-checked as a strict NodeNext consumer, and run as ESM, as CommonJS
 * (require(esm)) and bundled with esbuild, on Node 24 and Node 22. Each run uploads a few MiB
 * (several parts, so the hash worker runs) to the emulator of the installed package over HTTP
 * on 127.0.0.1, reads it back, and must exit by itself.
 *
 * Needs the npm registry (or npm's cache) for the package's dependencies and for Node 22
 * (`npx -p node@22`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Run a command; kill it at the deadline (the outcome then has a signal). Never rejects. */
function run(
  command: string,
  args: string[],
  cwd: string,
  deadlineMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const deadline = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.on('error', (error) => {
      clearTimeout(deadline);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Run and require exit status 0 (with the output in the message when it is not). */
async function runOk(command: string, args: string[], cwd: string, deadlineMs: number) {
  const outcome = await run(command, args, cwd, deadlineMs);
  if (outcome.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${outcome.signal ?? `status ${outcome.code}`}):\n` +
        `${outcome.stdout}\n${outcome.stderr}`,
    );
  }
  return outcome;
}

/**
 * The consumer, one source for both module systems: NodeNext compiles `import` to `require()`
 * in a .cts file. No top-level await, so it is valid CommonJS.
 */
const consumerSource = `
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  OssClient,
  type OssClientOptions,
  OssOptionError,
  OssStreamError,
  OssUploadError,
  type PartEvent,
  type ProgressEvent,
  type UploadOptions,
  type UploadResult,
  type UploadStream,
} from 'oss-multipart-stream';
import { type Emulator, startEmulator } from 'oss-multipart-stream/testing';

const MiB = 1024 * 1024;

function* slices(data: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

async function main(): Promise<void> {
  const emulator: Emulator = await startEmulator({ host: '127.0.0.1', buckets: ['consumer'] });
  const options: OssClientOptions = {
    endpoint: emulator.endpoint,
    bucket: 'consumer',
    region: emulator.region,
    credentials: emulator.credentials,
    timeoutMs: undefined,
  };
  const client = new OssClient(options);
  try {
    const payload = randomBytes(3 * MiB + 12345);
    const uploadOptions: UploadOptions = { partSize: MiB, contentType: undefined };
    const stream: UploadStream = client.createUploadStream('consumer/streamed.bin', uploadOptions);
    const parts: PartEvent[] = [];
    let uploadId: string | undefined;
    let uploaded = 0;
    stream.on('initiated', (event) => {
      uploadId = event.uploadId;
    });
    stream.on('part', (event) => parts.push(event));
    stream.on('progress', (event: ProgressEvent) => {
      uploaded = event.bytesUploaded;
    });
    await pipeline(Readable.from(slices(payload, 64 * 1024)), stream);
    const result: UploadResult | undefined = stream.result;
    const readBack = await client.getObjectBuffer('consumer/streamed.bin');

    const small = payload.subarray(0, 200_000);
    const second = await client.upload('consumer/buffer.bin', small);
    const secondBack = await client.getObjectBuffer('consumer/buffer.bin');

    let optionError = '';
    try {
      client.createUploadStream('consumer/bad.bin', { partSize: 1 });
    } catch (error) {
      if (error instanceof OssOptionError) optionError = error.option;
    }
    let uploadError = '';
    const elsewhere = new OssClient({ ...options, bucket: 'no-such-bucket' });
    try {
      await elsewhere.upload('consumer/x.bin', small);
    } catch (error) {
      if (error instanceof OssUploadError && error instanceof OssStreamError) uploadError = error.code;
    } finally {
      await elsewhere.close();
    }

    // require() of ES modules returns the module import() loads: one set of classes.
    const viaImport = await import('oss-multipart-stream');
    const sameClasses = viaImport.OssClient === OssClient && viaImport.OssUploadError === OssUploadError;

    console.log(
      JSON.stringify({
        sameClasses,
        parts: parts.map((part) => part.partNumber).sort((a, b) => a - b),
        partCount: result?.partCount,
        uploadId: uploadId === result?.uploadId ? 'matches' : 'differs',
        uploaded,
        readBackEqual: readBack.equals(payload),
        secondEqual: secondBack.equals(small) && second.size === small.length,
        optionError,
        uploadError,
      }),
    );
  } finally {
    await client.close();
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const expectedOutput = {
  sameClasses: true,
  parts: [1, 2, 3, 4],
  partCount: 4,
  uploadId: 'matches',
  uploaded: 3 * 1024 * 1024 + 12345,
  readBackEqual: true,
  secondEqual: true,
  optionError: 'partSize',
  uploadError: 'ERR_OSS_UPLOAD_FAILED',
};

describe('the packed package in a fresh project', () => {
  let work = '';
  let project = '';
  let installed = '';
  let packedFiles: string[] = [];
  let node22: string | undefined;
  let node22Problem = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'oss-multipart-stream-package-'));
    project = join(work, 'consumer');
    mkdirSync(join(project, 'src'), { recursive: true });

    await runOk('npm', ['run', 'build'], repo, 120_000);
    const packed = await runOk(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
      repo,
      60_000,
    );
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    packedFiles = info.files.map((file) => file.path).sort();

    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    await runOk(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, info.filename)],
      project,
      180_000,
    );
    installed = join(project, 'node_modules/oss-multipart-stream');

    writeFileSync(join(project, 'src/consumer.mts'), consumerSource);
    writeFileSync(join(project, 'src/consumer.cts'), consumerSource);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
          rootDir: 'src',
          outDir: 'out',
        },
        include: ['src'],
      }),
    );

    // Node 22 from the registry (npm's cache after the first run). A failure here fails the
    // Node 22 tests with the reason, not the whole file.
    const found = await run(
      'npx',
      ['-y', '-p', 'node@22', '-c', 'node -p process.execPath'],
      work,
      180_000,
    );
    if (found.code === 0) node22 = found.stdout.trim();
    else node22Problem = `npx -p node@22 failed: ${found.stderr.slice(-2000)}`;
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs the build, the docs, the README and the LICENSE, nothing else', () => {
    const outside = packedFiles.filter(
      (path) =>
        !path.startsWith('dist/') &&
        !path.startsWith('docs/') &&
        !['package.json', 'README.md', 'LICENSE'].includes(path),
    );
    expect(outside).toEqual([]);
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/testing/index.js',
        'dist/testing/index.d.ts',
        'dist/checksum/hash-worker-source.js',
      ]),
    );
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('ships source maps that carry their sources', () => {
    const maps = packedFiles.filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const withoutSources = maps.filter((path) => {
      const map = JSON.parse(readFileSync(join(installed, path), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      return (
        map.sourcesContent?.length !== map.sources.length ||
        map.sourcesContent.some((content) => typeof content !== 'string')
      );
    });
    expect(withoutSources).toEqual([]);
  });

  it('has no hover docs pointing at documents that are not in the package', () => {
    // Doc comments in declarations are what editors show. The package ships docs/ (the notes the
    // code relies on), but no spec/, benchmarks/, protocol notes or TypeScript sources.
    const pointer = /oss-protocol\.md|§|\bspec\/|\bbenchmarks\/|\b[\w-]+\.ts\b|[Ii]ssue \d/;
    const offending: string[] = [];
    for (const path of packedFiles.filter((file) => file.endsWith('.d.ts'))) {
      const lines = readFileSync(join(installed, path), 'utf8').split('\n');
      for (const [index, line] of lines.entries()) {
        if (!/^\s*(\/\*\*|\*|\/\/)/.test(line)) continue;
        const missingDoc = [...line.matchAll(/\bdocs\/[\w./-]*\w/g)].some(
          ([doc]) => !packedFiles.includes(doc),
        );
        if (missingDoc || pointer.test(line))
          offending.push(`${path}:${index + 1}: ${line.trim()}`);
      }
    }
    expect(offending, 'doc comments in declarations that point outside the package').toEqual([]);
  });

  it('type-checks a strict NodeNext consumer, ESM and CommonJS, and compiles it', async () => {
    const outcome = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], project, 120_000);
    expect(outcome.stdout + outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
  }, 180_000);

  it('bundles the consumer with esbuild, as ESM and as CommonJS', async () => {
    for (const [entry, format, outfile] of [
      ['src/consumer.mts', 'esm', 'bundle/consumer.mjs'],
      ['src/consumer.cts', 'cjs', 'bundle/consumer.cjs'],
    ] as const) {
      const result = await build({
        absWorkingDir: project,
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: 'node',
        format,
        target: 'node22',
        logLevel: 'silent',
        // What ESM bundles of CommonJS dependencies need on Node (esbuild's documented banner).
        ...(format === 'esm'
          ? {
              banner: {
                js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
              },
            }
          : {}),
      });
      expect(result.errors).toEqual([]);
    }
  }, 120_000);

  const artifacts = [
    ['ESM', 'out/consumer.mjs'],
    ['CommonJS (require)', 'out/consumer.cjs'],
    ['an esbuild ESM bundle', 'bundle/consumer.mjs'],
    ['an esbuild CommonJS bundle', 'bundle/consumer.cjs'],
  ] as const;

  for (const runtime of ['Node 24', 'Node 22'] as const) {
    for (const [kind, file] of artifacts) {
      it(`runs as ${kind} on ${runtime}: uploads, reads back, exits by itself`, async () => {
        const node = runtime === 'Node 24' ? process.execPath : node22;
        if (!node) throw new Error(node22Problem);
        const outcome = await run(node, [file], project, 60_000);
        expect(outcome.signal, `did not exit by itself within 60 s:\n${outcome.stderr}`).toBeNull();
        expect(outcome.code, outcome.stderr).toBe(0);
        expect(JSON.parse(outcome.stdout)).toEqual(expectedOutput);
        // No warning (require() of ES modules warns only on Node 22.12) and no failed lookup of
        // a worker file: the worker starts from the inlined source, also in a bundle.
        expect(outcome.stderr).not.toMatch(/Warning|hash-worker|Cannot find module/);
      }, 120_000);
    }
  }
});
