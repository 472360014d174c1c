/**
 * `npm run bench [-- --quick]`: this library against its peers and the physical limits, in one
 * run, on one machine, in one process tree.
 *
 * - The server (a neutral sink speaking the OSS and S3 dialects; benchmarks/sink-server.ts)
 *   runs in a child process, so its CPU is not the client's and its memory is not counted.
 * - Every measured run is a fresh child process (benchmarks/contenders/*.ts), so peak RSS
 *   (the process's resident high-water mark) belongs to that run alone; CPU time covers all
 *   of its threads. Each contender first uploads a small object, untimed (warm connections,
 *   threads, JIT). This library is compiled to JavaScript first (benchmarks/.build/, removed
 *   afterwards), so it runs as published, like the peers.
 * - Controls: the generated source alone (no upload) at the sizes whose memory is compared,
 *   since every process's RSS includes the source's garbage.
 * - Rounds: one warm-up round runs every case once (discarded), then each measured round runs
 *   every case once more, interleaved, so drift on a busy machine spreads over all cases
 *   alike. Medians, minima and maxima are over the measured rounds.
 * - Targets are ratios within the same run (benchmarks/harness/targets.ts). A throughput
 *   target that is missed gets the library (and, in full mode, the peer it is compared with)
 *   run once more under `--cpu-prof`; the profiles (all threads) are summarised in the report.
 * - Output: DIR/benchmark.json (everything), DIR/integrity.json (issue 5), DIR/results.md.
 *
 * Options: --quick (smaller sizes, < 2 minutes), --reps N (measured rounds, default 3),
 * --out DIR (default benchmarks/results, or benchmarks/results/quick with --quick),
 * --only REGEX (only cases whose id matches: for development), --no-profile,
 * --render-only (no measuring: re-read DIR/benchmark.json and the profiles beside it, and
 * write the report again, e.g. after a change to the report's layout).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  type ContenderConfig,
  type ContenderResult,
  generatedSource,
} from './contenders/common.ts';
import { type CaseSpec, libId, type Mode, planCases, SIZES } from './harness/plan.ts';
import {
  type ContenderOutcome,
  killAllChildren,
  runContender,
  type ServerProcess,
  startServer,
} from './harness/processes.ts';
import { type ProfileSummary, summariseProfiles } from './harness/profile.ts';
import { updateReadmeSection } from './harness/readme.ts';
import { renderMarkdown } from './harness/report.ts';
import { GiB, MiB, type Stat, stat } from './harness/stats.ts';
import { evaluateTargets, type TargetResult } from './harness/targets.ts';
import { measureHashRates } from './hash-rates.ts';

export interface RunRecord {
  round: number;
  warmup: boolean;
  result: ContenderResult | undefined;
  error: string | undefined;
  wallSeconds: number;
  serverCpuSeconds: number | undefined;
}

export interface CaseSummary {
  mbps: Stat | undefined;
  seconds: Stat | undefined;
  peakRssMiB: Stat | undefined;
  baselineRssMiB: Stat | undefined;
  cpuSecondsPerGiB: Stat | undefined;
  serverCpuSecondsPerGiB: Stat | undefined;
  /** Sum over the uploads of the library's own maxBufferedBytes (library cases only). */
  maxBufferedMiB: Stat | undefined;
  failures: number;
}

export interface CaseResult {
  spec: CaseSpec;
  runs: RunRecord[];
  summary: CaseSummary;
}

export interface HashSample {
  round: number;
  warmup: boolean;
  md5MBps: number;
  crc64MBps: number;
}

export interface Machine {
  cpuModel: string;
  logicalCores: number;
  availableParallelism: number;
  memoryGiB: number;
  node: string;
  v8: string;
  platform: string;
  date: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  gitCommit: string | undefined;
  gitDirty: boolean | undefined;
}

export interface BenchmarkDocument {
  mode: Mode;
  sizes: (typeof SIZES)[Mode];
  reps: number;
  roundsCompleted: number;
  durationSeconds: number;
  machine: Machine;
  chunkSize: number;
  /** How this library was loaded by its contender processes. */
  library: string;
  hash: { samples: HashSample[]; md5MBps: Stat | undefined; crc64MBps: Stat | undefined };
  cases: CaseResult[];
  targets: TargetResult[];
  profiles: {
    caseId: string;
    reason: string;
    dir: string;
    summary: ProfileSummary | undefined;
    error?: string;
  }[];
  notes: string[];
}

const CHUNK_SIZE = 64 * 1024;
const BUCKET = 'bench-bucket';
/** Wall-clock budgets (the issue's limits, with a margin for the report and profiles). */
const BUDGET_SECONDS: Record<Mode, number> = { quick: 95, full: 780 };

function gitInfo(): { commit: string | undefined; dirty: boolean | undefined } {
  try {
    const cwd = ROOT;
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' });
    const status = execFileSync('git', ['status', '--porcelain', '--', 'lib'], {
      cwd,
      encoding: 'utf8',
    });
    return { commit: commit.trim(), dirty: status.trim() !== '' };
  } catch {
    return { commit: undefined, dirty: undefined };
  }
}

const ROOT = join(import.meta.dirname, '..');
const BUILD_DIR = join(import.meta.dirname, '.build');

/**
 * Compile lib/ to JavaScript, as the package is published: the contenders then load
 * JavaScript like the peers do, not TypeScript stripped at load time in every thread (which
 * costs each thread memory and start-up). Returns undefined, with the reason, if it fails.
 */
function buildLibrary(): { dir: string | undefined; note: string | undefined } {
  rmSync(BUILD_DIR, { recursive: true, force: true });
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
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
  } catch (error) {
    const out = (error as { stdout?: Buffer }).stdout?.toString().slice(0, 500) ?? '';
    // tsc emits despite type errors; use the output if the entry point is there.
    if (!existsSync(join(BUILD_DIR, 'client.js'))) {
      return {
        dir: undefined,
        note: `Could not compile lib/ (${out.trim() || String(error)}): the library ran from its TypeScript sources.`,
      };
    }
    return {
      dir: BUILD_DIR,
      note: `lib/ compiled with type errors (${out.trim().split('\n')[0]}); the emitted JavaScript was used.`,
    };
  }
  return { dir: BUILD_DIR, note: undefined };
}

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

function machine(): Machine {
  const cpus = os.cpus();
  const git = gitInfo();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / GiB) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverageStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    loadAverageEnd: [],
    gitCommit: git.commit,
    gitDirty: git.dirty,
  };
}

function timeoutFor(spec: CaseSpec): number {
  const total = spec.bytes * spec.uploads;
  return 60_000 + (total / 8e6) * 1000;
}

function summarise(runs: RunRecord[]): CaseSummary {
  const ok = runs.filter((r) => !r.warmup && r.result && !r.error).map((r) => r.result!);
  const measured = runs.filter((r) => !r.warmup && r.result && !r.error);
  return {
    mbps: stat(ok.map((r) => r.mbps)),
    seconds: stat(ok.map((r) => r.seconds)),
    peakRssMiB: stat(ok.map((r) => r.peakRssBytes / MiB)),
    baselineRssMiB: stat(ok.map((r) => r.baselineRssBytes / MiB)),
    cpuSecondsPerGiB: stat(ok.map((r) => r.cpuSecondsPerGiB)),
    serverCpuSecondsPerGiB: stat(
      measured
        .filter((r) => r.serverCpuSeconds !== undefined)
        .map((r) => r.serverCpuSeconds! / (r.result!.bytes / GiB)),
    ),
    maxBufferedMiB: stat(
      ok
        .map((r) => r.details.maxBufferedBytes)
        .filter((x): x is number => typeof x === 'number')
        .map((x) => x / MiB),
    ),
    failures: runs.filter((r) => !r.warmup && r.error).length,
  };
}

class Harness {
  readonly servers = new Map<'sink' | 'emulator', ServerProcess>();
  tempDir: string | undefined;
  file: string | undefined;
  libDir: string | undefined;

  async server(kind: 'sink' | 'emulator'): Promise<ServerProcess> {
    let server = this.servers.get(kind);
    if (!server) {
      server = await startServer(kind);
      this.servers.set(kind, server);
    }
    return server;
  }

  async prepareFile(bytes: number): Promise<string> {
    if (this.file) return this.file;
    this.tempDir ??= await mkdtemp(join(os.tmpdir(), 'oss-bench-'));
    const file = join(this.tempDir, 'source.bin');
    await pipeline(generatedSource(bytes, CHUNK_SIZE, 1), createWriteStream(file));
    this.file = file;
    return file;
  }

  async configFor(spec: CaseSpec): Promise<ContenderConfig> {
    const server = await this.server(spec.server);
    const config: ContenderConfig = {
      server: server.info,
      bucket: BUCKET,
      key: `bench/${spec.id}`,
      bytes: spec.bytes,
      uploads: spec.uploads,
      chunkSize: CHUNK_SIZE,
    };
    if (spec.partSize !== undefined) config.partSize = spec.partSize;
    if (spec.concurrency !== undefined) config.concurrency = spec.concurrency;
    if (spec.options !== undefined) config.options = spec.options;
    if (spec.needsFile) config.file = await this.prepareFile(spec.bytes);
    if (this.libDir) config.libDir = this.libDir;
    return config;
  }

  async run(
    spec: CaseSpec,
    nodeArgs: string[] = [],
  ): Promise<ContenderOutcome & { serverCpu?: number }> {
    const config = await this.configFor(spec);
    const server = await this.server(spec.server);
    const before = await server.stats().catch(() => undefined);
    const outcome = await runContender(spec.contender, config, timeoutFor(spec), nodeArgs);
    const after = await server.stats().catch(() => undefined);
    const serverCpu = before && after ? after.cpuSeconds - before.cpuSeconds : undefined;
    return { ...outcome, ...(serverCpu === undefined ? {} : { serverCpu }) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
    this.servers.clear();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
    await rm(BUILD_DIR, { recursive: true, force: true });
  }

  /** Synchronous last resort (exit handler): no child and no temp file outlives the harness. */
  closeSync(): void {
    killAllChildren();
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
    rmSync(BUILD_DIR, { recursive: true, force: true });
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function describeOutcome(spec: CaseSpec, outcome: ContenderOutcome): string {
  if (outcome.error || !outcome.result) return `FAILED (${outcome.error})`;
  const r = outcome.result;
  return `${r.mbps.toFixed(0)} MB/s, peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB, ${r.cpuSecondsPerGiB.toFixed(2)} CPU s/GiB${spec.uploads > 1 ? ` (${spec.uploads} uploads)` : ''}`;
}

async function profileCase(
  harness: Harness,
  spec: CaseSpec,
  reason: string,
  outDir: string,
): Promise<BenchmarkDocument['profiles'][number]> {
  const dir = join(outDir, 'profiles', spec.id);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  log(`profiling ${spec.id} (${reason})`);
  const outcome = await harness.run(spec, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const rel = relative(join(import.meta.dirname, '..'), dir);
  if (outcome.error)
    return { caseId: spec.id, reason, dir: rel, summary: undefined, error: outcome.error };
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    return { caseId: spec.id, reason, dir: rel, summary: undefined, error: 'no profile written' };
  }
  const summary = await summariseProfiles(dir);
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return { caseId: spec.id, reason, dir: rel, summary };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string', default: '3' },
      out: { type: 'string' },
      only: { type: 'string' },
      'no-profile': { type: 'boolean', default: false },
      'render-only': { type: 'boolean', default: false },
    },
  });
  const mode: Mode = values.quick ? 'quick' : 'full';
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new Error('--reps must be 1..20');
  const outDir =
    values.out ?? join(import.meta.dirname, 'results', ...(mode === 'quick' ? ['quick'] : []));
  const only = values.only === undefined ? undefined : new RegExp(values.only);
  if (values['render-only']) {
    await renderOnly(outDir);
    return;
  }
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;

  const harness = new Harness();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping children and removing temporary files`);
    harness.closeSync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => harness.closeSync());

  try {
    const info = machine();
    const cases = planCases(mode).filter((c) => !only || only.test(c.id));
    const results = new Map<string, CaseResult>(
      cases.map((spec) => [spec.id, { spec, runs: [], summary: summarise([]) }]),
    );
    const hashSamples: HashSample[] = [];
    const notes: string[] = [];
    log(
      `benchmark (${mode}): ${cases.length} cases × (1 warm-up + ${reps}) rounds on ${info.cpuModel}, ${info.availableParallelism} cores, Node ${info.node}`,
    );

    const build = buildLibrary();
    harness.libDir = build.dir;
    if (build.note) notes.push(build.note);
    log(build.dir ? `library compiled to ${relative(ROOT, build.dir)}` : build.note!);

    // Servers and the file for ali-oss, before any timing.
    await harness.server('sink');
    const fileCase = cases.find((c) => c.needsFile);
    if (fileCase) {
      log(`writing the ${fileCase.bytes / MiB} MiB source file for ali-oss multipartUpload`);
      await harness.prepareFile(fileCase.bytes);
    }

    let roundsCompleted = 0;
    let lastRound = 0;
    for (let round = 0; round <= reps; round++) {
      const warmup = round === 0;
      if (!warmup && elapsed() + lastRound > BUDGET_SECONDS[mode]) {
        notes.push(
          `Stopped after ${roundsCompleted} measured round(s): another round would have passed the ${mode} time budget of ${BUDGET_SECONDS[mode]} s (the machine was slower than planned).`,
        );
        log(notes.at(-1)!);
        break;
      }
      const roundStart = elapsed();
      log(`\n${warmup ? 'warm-up round' : `round ${round}/${reps}`}`);
      const rates = await measureHashRates({ bytes: SIZES[mode].hashBytes, rounds: 1 });
      hashSamples.push({ round, warmup, ...rates });
      log(`  single-core MD5 ${rates.md5MBps} MB/s, CRC-64 ${rates.crc64MBps} MB/s`);
      for (const spec of cases) {
        const outcome = await harness.run(spec);
        results.get(spec.id)!.runs.push({
          round,
          warmup,
          result: outcome.result,
          error: outcome.error,
          wallSeconds: outcome.wallSeconds,
          serverCpuSeconds: outcome.serverCpu,
        });
        log(`  ${spec.id.padEnd(28)} ${describeOutcome(spec, outcome)}`);
      }
      lastRound = elapsed() - roundStart;
      if (!warmup) roundsCompleted++;
    }
    for (const result of results.values()) result.summary = summarise(result.runs);

    const measuredHash = hashSamples.filter((h) => !h.warmup);
    const doc: BenchmarkDocument = {
      mode,
      sizes: SIZES[mode],
      reps,
      roundsCompleted,
      durationSeconds: 0,
      machine: info,
      chunkSize: CHUNK_SIZE,
      library: harness.libDir
        ? 'lib/ compiled to JavaScript with tsc (as published)'
        : 'lib/*.ts TypeScript sources (type stripping at load)',
      hash: {
        samples: hashSamples,
        md5MBps: stat(measuredHash.map((h) => h.md5MBps)),
        crc64MBps: stat(measuredHash.map((h) => h.crc64MBps)),
      },
      cases: [...results.values()],
      targets: [],
      profiles: [],
      notes,
    };
    doc.targets = evaluateTargets(doc);

    // Profile where a throughput target was missed: the library, and the peer it lost to.
    if (!values['no-profile']) {
      const toProfile = new Map<string, string>();
      for (const target of doc.targets) {
        if (target.pass !== false) continue;
        // Quick mode keeps to its time budget: only the library's main case.
        const ids = (target.profile ?? []).filter(
          (id) => mode === 'full' || id === libId(SIZES[mode].main),
        );
        for (const id of ids) {
          toProfile.set(id, [toProfile.get(id), target.id].filter(Boolean).join(', '));
        }
      }
      for (const [id, reason] of toProfile) {
        const spec = results.get(id)?.spec;
        if (spec) doc.profiles.push(await profileCase(harness, spec, `missed: ${reason}`, outDir));
      }
    }

    info.loadAverageEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
    doc.durationSeconds = Math.round(elapsed());
    await writeReports(doc, outDir);
    log(
      `\nwrote ${relative(process.cwd(), outDir) || '.'}/{benchmark.json,integrity.json,results.md} in ${doc.durationSeconds} s`,
    );
    for (const t of doc.targets) {
      log(
        `  ${t.pass === undefined ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.description}: ${t.measured}`,
      );
    }
  } finally {
    await harness.close();
  }
}

async function writeReports(doc: BenchmarkDocument, outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await writeFile(join(outDir, 'benchmark.json'), `${JSON.stringify(doc, null, 2)}\n`);
  await writeFile(join(outDir, 'integrity.json'), `${JSON.stringify(integrity(doc), null, 2)}\n`);
  const markdown = renderMarkdown(doc);
  await writeFile(join(outDir, 'results.md'), markdown);
  formatJson([join(outDir, 'benchmark.json'), join(outDir, 'integrity.json')]);
  // Only a full run into the default directory speaks for the README.
  if (doc.mode === 'full' && outDir === join(import.meta.dirname, 'results')) {
    if (await updateReadmeSection('benchmarks', markdown)) log("updated the README's table");
  }
}

/** Re-evaluate and re-render a finished run (profiles are summarised again if present). */
async function renderOnly(outDir: string): Promise<void> {
  const doc = JSON.parse(
    await readFile(join(outDir, 'benchmark.json'), 'utf8'),
  ) as BenchmarkDocument;
  doc.targets = evaluateTargets(doc);
  for (const profile of doc.profiles) {
    const dir = join(ROOT, profile.dir);
    if (existsSync(dir)) profile.summary = await summariseProfiles(dir);
  }
  await writeReports(doc, outDir);
  log(
    `rewrote ${relative(process.cwd(), outDir) || '.'}/{benchmark.json,integrity.json,results.md}`,
  );
}

/** Issue 5's figures: single-core MD5 against the library with MD5 and CRC-64 on. */
function integrity(doc: BenchmarkDocument) {
  const md5 = doc.hash.md5MBps;
  const pick = (server: string) =>
    doc.cases.find(
      (c) =>
        c.spec.groups.includes('integrity') &&
        c.spec.server === server &&
        c.spec.contender === 'lib',
    );
  const row = (c: CaseResult | undefined) =>
    c && {
      case: c.spec.id,
      server:
        c.spec.server === 'sink' ? 'neutral sink' : 'emulator fast path (verifyContent: false)',
      bytes: c.spec.bytes,
      options: 'defaults: MD5 (Content-MD5) and CRC-64 per part and per object, hashing on workers',
      mbps: c.summary.mbps,
      peakRssMiB: c.summary.peakRssMiB,
      cpuSecondsPerGiB: c.summary.cpuSecondsPerGiB,
      ratioToSingleCoreMd5:
        md5 && c.summary.mbps
          ? Math.round((c.summary.mbps.median / md5.median) * 100) / 100
          : undefined,
    };
  return {
    mode: doc.mode,
    date: doc.machine.date,
    machine: `${doc.machine.cpuModel}, ${doc.machine.availableParallelism} cores, Node ${doc.machine.node}`,
    singleCoreMd5MBps: md5,
    singleCoreCrc64MBps: doc.hash.crc64MBps,
    target: 'library throughput >= 0.85 x single-core MD5, same run',
    sink: row(pick('sink')),
    emulatorFastPath: row(pick('emulator')),
  };
}

await main().catch((error: unknown) => {
  log(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
