/**
 * The measured rounds: one warm-up round runs every case once (discarded), then each measured
 * round runs every case once more, interleaved, so drift on a busy machine spreads over all
 * cases alike. Single-core hash rates are measured at the start of every round. A round that
 * would pass the mode's time budget is not started.
 */
import type { CaseOutcome, CaseRunner } from './case-runner.ts';
import type { CaseResult, HashSample } from './document.ts';
import { log } from './log.ts';
import { measureHashRates } from './measure-hash-rates.ts';
import { type CaseSpec, type Mode, SIZES } from './plan.ts';
import { MiB } from './stats.ts';
import { summarise } from './summarise.ts';

/** Default wall-clock budgets of the rounds (with a margin for the report and profiles). */
export const BUDGET_SECONDS: Record<Mode, number> = { quick: 95, full: 780 };

export interface Rounds {
  cases: CaseResult[];
  hashSamples: HashSample[];
  roundsCompleted: number;
  notes: string[];
}

function describeOutcome(spec: CaseSpec, outcome: CaseOutcome): string {
  if (outcome.error || !outcome.result) return `FAILED (${outcome.error})`;
  const r = outcome.result;
  return `${r.mbps.toFixed(0)} MB/s, peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB, ${r.cpuSecondsPerGiB.toFixed(2)} CPU s/GiB${spec.uploads > 1 ? ` (${spec.uploads} uploads)` : ''}`;
}

export async function runRounds(
  runner: CaseRunner,
  specs: CaseSpec[],
  mode: Mode,
  reps: number,
  budgetSeconds = BUDGET_SECONDS[mode],
): Promise<Rounds> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const cases = specs.map((spec): CaseResult => ({ spec, runs: [], summary: summarise([]) }));
  const hashSamples: HashSample[] = [];
  const notes: string[] = [];
  let roundsCompleted = 0;
  let lastRound = 0;
  for (let round = 0; round <= reps; round++) {
    const warmup = round === 0;
    if (!warmup && elapsed() + lastRound > budgetSeconds) {
      notes.push(
        `Stopped after ${roundsCompleted} measured round(s): another round would have passed the time budget of ${budgetSeconds} s (the machine was slower than planned).`,
      );
      log(notes.at(-1)!);
      break;
    }
    const roundStart = elapsed();
    log(`\n${warmup ? 'warm-up round' : `round ${round}/${reps}`}`);
    const rates = await measureHashRates({ bytes: SIZES[mode].hashBytes, rounds: 1 });
    hashSamples.push({ round, warmup, ...rates });
    log(`  single-core MD5 ${rates.md5MBps} MB/s, CRC-64 ${rates.crc64MBps} MB/s`);
    for (const result of cases) {
      const outcome = await runner.run(result.spec);
      result.runs.push({
        round,
        warmup,
        result: outcome.result,
        error: outcome.error,
        wallSeconds: outcome.wallSeconds,
        serverCpuSeconds: outcome.serverCpu,
      });
      log(`  ${result.spec.id.padEnd(28)} ${describeOutcome(result.spec, outcome)}`);
    }
    lastRound = elapsed() - roundStart;
    if (!warmup) roundsCompleted++;
  }
  for (const result of cases) result.summary = summarise(result.runs);
  return { cases, hashSamples, roundsCompleted, notes };
}
