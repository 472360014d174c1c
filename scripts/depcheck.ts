/**
 * `npm run depcheck`: the import rules of .dependency-cruiser.cjs (no cycle in lib/ or
 * benchmarks/, lib/ standing alone, the emulator apart from the client's signing code),
 * checked by dependency-cruiser.
 *
 * dependency-cruiser 18 parses TypeScript only with the `typescript` package below 7; with
 * TypeScript 7 installed it skips every .ts file and reports "0 modules, no violations". So this
 * script writes a JavaScript copy of lib/, benchmarks/, spec/ and examples/ (same relative paths,
 * `.ts` → `.js`) and cruises that copy:
 * - type-only imports and re-exports (`import type`, `export type … from`) become plain ones
 *   first, so a circle made of types is found like any other;
 * - then Node's own type stripper removes the types (the sources are erasable-syntax-only);
 * - relative specifiers ending in `.ts` (allowImportingTsExtensions) are pointed at `.js`.
 * The copy is a fresh temporary directory per run (removed afterwards) whose node_modules links
 * to the repository's, so bare imports resolve to the installed packages.
 *
 * `node scripts/depcheck.ts [dir]` checks the sources under dir instead (to try the rules on a
 * made-up tree). Fails when a rule is broken, and also when the copy yields no module at all
 * (a check that sees nothing must not pass).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const REPOSITORY = join(import.meta.dirname, '..');
/** Sources to check: this repository, or the directory given as the first argument. */
const ROOT = process.argv[2] ?? REPOSITORY;
const SOURCE_DIRS = ['lib', 'benchmarks', 'spec', 'examples'];
const CRUISED_DIRS = ['lib', 'benchmarks'];
const SKIPPED = /(^|\/)(node_modules|dist|\.build|results)(\/|$)/;

/** `import type …` / `export type { … } from` / `export type * from` → the plain form. */
export function keepTypeOnlyImports(source: string): string {
  return source
    .replace(/^(\s*import)\s+type(?=\s+[{*\w$])/gm, '$1')
    // Only re-exports: a local `export type { A }` names a type the stripper removes.
    .replace(/^(\s*export)\s+type(?=\s*(\{[^}]*\}|\*(\s+as\s+[\w$]+)?)\s*from\s)/gm, '$1');
}

/** `'./x.ts'` → `'./x.js'` in every relative string literal (import specifiers among them). */
export function pointAtJavaScript(code: string): string {
  return code.replace(/(['"])(\.{1,2}\/[^'"\n]*?)\.([cm]?)ts\1/g, '$1$2.$3js$1');
}

export function toJavaScript(source: string): string {
  return pointAtJavaScript(stripTypeScriptTypes(keepTypeOnlyImports(source), { mode: 'strip' }));
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(join(ROOT, dir), { withFileTypes: true });
  } catch {
    return; // a directory that does not exist (yet) has nothing to check
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (SKIPPED.test(path)) continue;
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.([cm]?ts|[cm]?js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

async function writeCopy(copy: string): Promise<number> {
  let count = 0;
  const failures: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for await (const path of sourceFiles(dir)) {
      const target = join(copy, path.replace(/\.([cm]?)ts$/, '.$1js'));
      await mkdir(dirname(target), { recursive: true });
      const source = await readFile(join(ROOT, path), 'utf8');
      try {
        await writeFile(target, /\.[cm]?ts$/.test(path) ? toJavaScript(source) : source);
        count++;
      } catch (error) {
        failures.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  if (failures.length > 0) {
    throw new Error(`could not strip the types of:\n  ${failures.join('\n  ')}`);
  }
  // For the dependency types (npm, npm-dev) of bare imports.
  await cp(join(ROOT, 'package.json'), join(copy, 'package.json'));
  return count;
}

/** A path of the copy as the reader knows it: our sources as .ts, packages by name. */
function shown(path: string): string {
  if (/^(lib|benchmarks|spec|examples)\//.test(path)) return path.replace(/\.([cm]?)js$/, '.$1ts');
  return path.replace(/^.*node_modules\//, '');
}

function describe(violation: IViolation): string {
  const rule = `${violation.rule.severity} ${violation.rule.name}`;
  if (violation.cycle && violation.cycle.length > 0) {
    const circle = [violation.from, ...violation.cycle.map((step) => step.name)].map(shown);
    return `${rule}: ${circle.join(' → ')}`;
  }
  return `${rule}: ${shown(violation.from)} → ${shown(violation.to)}`;
}

async function main(): Promise<void> {
  const copy = await mkdtemp(join(tmpdir(), 'depcheck-'));
  try {
    // Bare imports resolve through this link to the real packages (classified npm / npm-dev
    // from the copied package.json, and not followed into).
    await symlink(join(REPOSITORY, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const files = await writeCopy(copy);
    const options = await extractDepcruiseOptions(join(REPOSITORY, '.dependency-cruiser.cjs'));
    if (files === 0) throw new Error(`no source file found under ${SOURCE_DIRS.join(', ')}`);
    const roots = CRUISED_DIRS.filter((dir) => existsSync(join(copy, dir)));
    const { output } = await cruise(roots, { ...options, baseDir: copy });
    const result = output as ICruiseResult;
    const { totalCruised, totalDependenciesCruised, violations } = result.summary;
    const cruised = result.modules.filter((m) => /^(lib|benchmarks)\//.test(m.source)).length;
    if (cruised === 0) {
      throw new Error(
        `dependency-cruiser found no module in ${CRUISED_DIRS.join(', ')}: the check saw nothing`,
      );
    }
    const errors = violations.filter((v) => v.rule.severity === 'error');
    for (const violation of violations) process.stdout.write(`${describe(violation)}\n`);
    process.stdout.write(
      `depcheck: ${cruised} modules of ${CRUISED_DIRS.join('/, ')}/ (${totalCruised} in all, ${totalDependenciesCruised} imports) against .dependency-cruiser.cjs: ${errors.length === 0 ? 'no violation' : `${errors.length} violation(s)`}\n`,
    );
    if (errors.length > 0) process.exitCode = 1;
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  await main().catch((error: unknown) => {
    process.stderr.write(
      `depcheck failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 2;
  });
}
