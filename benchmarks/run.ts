/**
 * `npm run bench [-- --quick]`: this library against its peers and the physical limits, in one
 * run, on one machine, in one process tree.
 *
 * - The server (a neutral sink speaking the OSS and S3 dialects, sink/sink.ts) runs in a child
 *   process (sink-server.ts), so its CPU is not the client's and its memory is not counted.
 * - Every measured run is a fresh child process (contenders/*.ts), so peak RSS (the process's
 *   resident high-water mark) belongs to that run alone; CPU time covers all of its threads.
 *   Each contender first uploads a small object, untimed (warm connections, threads, JIT). This
 *   library is compiled to JavaScript first (benchmarks/.build/, removed afterwards), so it
 *   runs as published, like the peers.
 * - Controls: the generated source alone (no upload) at the sizes whose memory is compared,
 *   since every process's RSS includes the source's garbage.
 * - Rounds interleave every case (harness/rounds.ts); medians, minima and maxima are over the
 *   measured rounds.
 * - Targets are ratios within the same run (harness/targets.ts). A throughput target that is
 *   missed gets the library (and, in full mode, the peer it is compared with) run once more
 *   under `--cpu-prof`; the profiles (all threads) are summarised in the report.
 * - Output: DIR/benchmark.json (everything), DIR/integrity.json, DIR/results.md; a full run
 *   also updates the tables in benchmarks/README.md.
 *
 * Options: --quick (smaller sizes, < 2 minutes), --reps N (measured rounds, default 3),
 * --out DIR (default benchmarks/results, or benchmarks/results/quick with --quick),
 * --only REGEX (only cases whose id matches: for development), --no-profile,
 * --budget SECONDS (no measured round starts once it would pass this; default 95 quick, 780 full),
 * --render-only (no measuring: re-read DIR/benchmark.json and the profiles beside it, and
 * write the report again, e.g. after a change to the report's layout).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildLibrary } from './harness/build-library.ts';
import { CaseRunner, CHUNK_SIZE } from './harness/case-runner.ts';
import type { BenchmarkDocument } from './harness/document.ts';
import { log } from './harness/log.ts';
import { describeMachine, loadAverage } from './harness/machine.ts';
import { RESULTS_DIR, ROOT } from './harness/paths.ts';
import { type Mode, planCases, SIZES } from './harness/plan.ts';
import { summariseProfiles } from './harness/profile.ts';
import { profileMissedTargets } from './harness/profile-missed.ts';
import { BUDGET_SECONDS, runRounds } from './harness/rounds.ts';
import { stat } from './harness/stats.ts';
import { evaluateTargets } from './harness/targets.ts';
import { writeReports } from './harness/write-reports.ts';

interface Options {
  mode: Mode;
  reps: number;
  outDir: string;
  only: RegExp | undefined;
  profile: boolean;
  renderOnly: boolean;
  budgetSeconds: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string', default: '3' },
      out: { type: 'string' },
      only: { type: 'string' },
      'no-profile': { type: 'boolean', default: false },
      'render-only': { type: 'boolean', default: false },
      budget: { type: 'string' },
    },
  });
  const mode: Mode = values.quick ? 'quick' : 'full';
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new Error('--reps must be 1..20');
  const budgetSeconds = Number(values.budget ?? BUDGET_SECONDS[mode]);
  if (!(budgetSeconds > 0 && budgetSeconds <= 7200)) {
    throw new Error('--budget must be 1..7200 seconds');
  }
  return {
    mode,
    reps,
    outDir: values.out ?? (mode === 'quick' ? join(RESULTS_DIR, 'quick') : RESULTS_DIR),
    only: values.only === undefined ? undefined : new RegExp(values.only),
    profile: !values['no-profile'],
    renderOnly: values['render-only'],
    budgetSeconds,
  };
}

async function measure(opts: Options): Promise<void> {
  const started = process.hrtime.bigint();
  const runner = new CaseRunner();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping children and removing temporary files`);
    runner.closeSync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => runner.closeSync());
  try {
    const machine = describeMachine();
    const specs = planCases(opts.mode).filter((c) => !opts.only || opts.only.test(c.id));
    log(
      `benchmark (${opts.mode}): ${specs.length} cases × (1 warm-up + ${opts.reps}) rounds on ${machine.cpuModel}, ${machine.availableParallelism} cores, Node ${machine.node}`,
    );
    const build = await buildLibrary();
    runner.libDir = build.dir;
    log(build.dir ? `library compiled to ${relative(ROOT, build.dir)}` : build.note!);

    // Servers and the file for ali-oss, before any timing.
    await runner.server('sink');
    const fileCase = specs.find((c) => c.needsFile);
    if (fileCase) await runner.prepareFile(fileCase.bytes);

    const rounds = await runRounds(runner, specs, opts.mode, opts.reps, opts.budgetSeconds);
    const measuredHash = rounds.hashSamples.filter((h) => !h.warmup);
    const doc: BenchmarkDocument = {
      mode: opts.mode,
      sizes: SIZES[opts.mode],
      reps: opts.reps,
      roundsCompleted: rounds.roundsCompleted,
      durationSeconds: 0,
      machine,
      chunkSize: CHUNK_SIZE,
      library: build.description,
      hash: {
        samples: rounds.hashSamples,
        md5MBps: stat(measuredHash.map((h) => h.md5MBps)),
        crc64MBps: stat(measuredHash.map((h) => h.crc64MBps)),
      },
      cases: rounds.cases,
      targets: [],
      profiles: [],
      notes: [...(build.note ? [build.note] : []), ...rounds.notes],
    };
    doc.targets = evaluateTargets(doc);
    if (opts.profile) doc.profiles = await profileMissedTargets(runner, doc, opts.outDir);

    machine.loadAverageEnd = loadAverage();
    doc.durationSeconds = Math.round(Number(process.hrtime.bigint() - started) / 1e9);
    await writeReports(doc, opts.outDir);
    log(
      `\nwrote ${relative(process.cwd(), opts.outDir) || '.'}/{benchmark.json,integrity.json,results.md} in ${doc.durationSeconds} s`,
    );
    for (const t of doc.targets) {
      log(
        `  ${t.pass === undefined ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.description}: ${t.measured}`,
      );
    }
  } finally {
    await runner.close();
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

try {
  const opts = options();
  await (opts.renderOnly ? renderOnly(opts.outDir) : measure(opts));
} catch (error) {
  log(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
}
