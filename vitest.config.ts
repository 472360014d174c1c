import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Type tests (spec/types/*.test-d.ts) are compiled, not run, as a strict consumer would
    // (tsconfig.types.json); a `@ts-expect-error` line that compiles fails the run.
    typecheck: {
      enabled: true,
      include: ['spec/types/**/*.test-d.ts'],
      tsconfig: './tsconfig.types.json',
      // The library sources are compiled with the project's own settings (npm run typecheck); what a
      // consumer compiles is the .d.ts, checked strictly by spec/package.spec.ts.
      ignoreSourceErrors: true,
    },
  },
});
