import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchmarkDocument } from './document.ts';
import { integritySummary } from './integrity.ts';
import { log } from './log.ts';
import { RESULTS_DIR, ROOT } from './paths.ts';
import { updateReadmeSection } from './readme.ts';
import { renderMarkdown, renderMemoryLimitSection } from './report.ts';

/** The repository formats JSON with biome; written results should not show as unformatted. */
function formatJson(files: string[]): void {
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', ...files], {
      cwd: ROOT,
      stdio: 'ignore',
      timeout: 30_000,
    });
  } catch {
    // best effort: the files are valid JSON either way
  }
}

/**
 * DIR/benchmark.json (everything), DIR/integrity.json and DIR/results.md; a full run into the
 * default directory also updates the tables in benchmarks/README.md, and any run into its
 * default directory the memoryLimit comparison there.
 */
export async function writeReports(doc: BenchmarkDocument, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'benchmark.json');
  const integrity = join(outDir, 'integrity.json');
  await writeFile(json, `${JSON.stringify(doc, null, 2)}\n`);
  await writeFile(integrity, `${JSON.stringify(integritySummary(doc), null, 2)}\n`);
  const markdown = renderMarkdown(doc);
  await writeFile(join(outDir, 'results.md'), markdown);
  formatJson([json, integrity]);
  if (doc.mode === 'full' && outDir === RESULTS_DIR) {
    if (await updateReadmeSection('benchmarks', markdown)) log('updated benchmarks/README.md');
  }
  // The memoryLimit comparison from the last run into a default directory that measured it.
  const defaultDir = doc.mode === 'full' ? RESULTS_DIR : join(RESULTS_DIR, 'quick');
  const memoryLimit = renderMemoryLimitSection(doc);
  if (memoryLimit && outDir === defaultDir) {
    if (await updateReadmeSection('memory-limit', memoryLimit)) {
      log('updated the memoryLimit table in benchmarks/README.md');
    }
  }
}
