import { join } from 'node:path';

/** The repository. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** Where a full run writes its documents (a quick run: its quick/ subdirectory). */
export const RESULTS_DIR = join(ROOT, 'benchmarks', 'results');
/** lib/ compiled to JavaScript for one run, removed afterwards. */
export const BUILD_DIR = join(ROOT, 'benchmarks', '.build');
