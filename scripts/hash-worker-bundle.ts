/**
 * The hash worker (lib/checksum/hash-worker.ts and everything it imports) bundled into one
 * CommonJS script, as `new Worker(source, { eval: true })` runs it. Used by the build and by the
 * hash pool spec, so both run the same bundle.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function bundleHashWorker(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../lib/checksum/hash-worker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  const source = result.outputFiles[0]?.text;
  if (!source) throw new Error('esbuild produced no hash worker bundle');
  return source;
}
