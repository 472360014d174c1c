// Where the hash worker's code comes from. From the TypeScript sources (tests, development) it is
// the worker module beside this one. `npm run build` replaces the compiled module in dist/ with
// one that returns the worker bundled into a single self-contained script, started with
// `eval: true`: no file has to be found at run time, so hashing keeps working when an
// application bundles this package into one file (esbuild, serverless packaging).

export type HashWorkerCode = { readonly source: string } | { readonly file: URL };

export function hashWorkerCode(): HashWorkerCode {
  return { file: new URL('./hash-worker.ts', import.meta.url) };
}
