/**
 * Compile lib/ to JavaScript as the package is published, into benchmarks/.build/: the
 * contenders then load JavaScript like the peers do, not TypeScript stripped at load time in
 * every thread (which costs each thread memory and start-up).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, ROOT } from './paths.ts';

export interface LibraryBuild {
  /** The compiled library, or undefined: the contenders load lib/*.ts. */
  dir: string | undefined;
  /** How the library is loaded, for the report. */
  description: string;
  /** Anything the reader of the results must know about the build. */
  note: string | undefined;
}

/**
 * The published package starts its hash workers from one bundled script (scripts/build.ts
 * replaces dist/checksum/hash-worker-source.js); tsc alone leaves a module that points at
 * hash-worker.ts, which the compiled tree does not have. Do what the build does, with its own
 * bundler helper; without it, point the module at the compiled hash-worker.js.
 */
async function provideHashWorker(dir: string): Promise<string> {
  const target = join(dir, 'checksum', 'hash-worker-source.js');
  if (!existsSync(target)) return 'hash worker as compiled';
  try {
    const { bundleHashWorker } = (await import(join(ROOT, 'scripts', 'hash-worker-bundle.ts'))) as {
      bundleHashWorker: () => Promise<string>;
    };
    const source = await bundleHashWorker();
    writeFileSync(
      target,
      `const source = ${JSON.stringify(source)};\nexport function hashWorkerCode() {\n  return { source };\n}\n`,
    );
    return 'hash worker bundled as published';
  } catch {
    writeFileSync(
      target,
      "export function hashWorkerCode() {\n  return { file: new URL('./hash-worker.js', import.meta.url) };\n}\n",
    );
    return 'hash worker from its compiled file (the bundler helper was not available)';
  }
}

export async function buildLibrary(): Promise<LibraryBuild> {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const sources = {
    dir: undefined,
    description: 'lib/*.ts TypeScript sources (type stripping at load)',
  };
  let note: string | undefined;
  try {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.json'),
        '--outDir',
        BUILD_DIR,
        // No .d.ts under benchmarks/: the type check of the repository would pick them up.
        '--declaration',
        'false',
        '--sourceMap',
        'false',
        '--inlineSources',
        'false',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
  } catch (error) {
    const out = (error as { stdout?: Buffer }).stdout?.toString().slice(0, 500) ?? '';
    // tsc emits despite type errors; use the output if the entry point is there.
    if (!existsSync(join(BUILD_DIR, 'index.js'))) {
      return {
        ...sources,
        note: `Could not compile lib/ (${out.trim() || String(error)}): the library ran from its TypeScript sources.`,
      };
    }
    note = `lib/ compiled with type errors (${out.trim().split('\n')[0]}); the emitted JavaScript was used.`;
  }
  const worker = await provideHashWorker(BUILD_DIR);
  return {
    dir: BUILD_DIR,
    description: `lib/ compiled to JavaScript with tsc (as published; ${worker})`,
    note,
  };
}

export function removeBuild(): void {
  rmSync(BUILD_DIR, { recursive: true, force: true });
}
