/**
 * Import rules for lib/ and benchmarks/, checked by `npm run depcheck` (part of `npm test`).
 *
 * dependency-cruiser 18 reads TypeScript only through the `typescript` package 2.x–6.x; this
 * repository uses TypeScript 7, so `depcruise lib` on its own sees no module at all and passes.
 * scripts/depcheck.ts therefore hands dependency-cruiser a JavaScript copy of the sources with
 * every import kept (type-only ones turned into plain imports, `.ts` specifiers into `.js`),
 * with the same relative paths, and applies these rules to it.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A module must not reach itself through its imports (type-only imports included): cycles hide the order of initialisation and make modules impossible to read alone.',
      from: { path: '^(lib|benchmarks)/' },
      to: { circular: true },
    },
    {
      name: 'lib-not-to-tests-or-tools',
      severity: 'error',
      comment:
        'The published library must not depend on specs, benchmarks or examples (they are not shipped).',
      from: { path: '^lib/' },
      to: { path: '^(spec|benchmarks|examples)/' },
    },
    {
      name: 'emulator-not-to-client-signing',
      severity: 'error',
      comment:
        "The emulator verifies signatures with its own code, so that a mistake in the client's canonicalisation cannot hide behind the same mistake on the server side.",
      from: { path: '^lib/testing/' },
      to: { path: '^lib/oss/signing/' },
    },
    {
      name: 'lib-not-to-dev-dependencies',
      severity: 'error',
      comment: 'Packages the library loads at run time must be in "dependencies".',
      from: { path: '^lib/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import must resolve (this also proves the JavaScript copy is complete).',
      from: { path: '^(lib|benchmarks)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|benchmarks/[.]build|benchmarks/results)/' },
    // Type-only imports count: a circle of types is still a circle to the reader.
    tsPreCompilationDeps: true,
    moduleSystems: ['es6', 'cjs'],
    // Resolve packages as Node does ("exports" with the import condition), not by "main" alone.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      mainFields: ['module', 'main'],
    },
  },
};
