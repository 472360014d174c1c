/**
 * The result document of one `npm run bench` run (DIR/benchmark.json): what was run, on what
 * machine, every measured run, the summaries, the targets and the profiles. The report, the
 * targets and `--render-only` all read this shape; nothing here computes anything.
 */
import type { ContenderResult } from '../shared/contender-config.ts';
import type { CaseSpec, Mode, Sizes } from './plan.ts';
import type { ProfileSummary } from './profile.ts';
import type { Stat } from './stats.ts';

/** One run of one case: a fresh contender process. */
export interface RunRecord {
  round: number;
  warmup: boolean;
  result: ContenderResult | undefined;
  error: string | undefined;
  wallSeconds: number;
  serverCpuSeconds: number | undefined;
}

/** Medians and ranges over the measured (not warm-up) runs of one case. */
export interface CaseSummary {
  mbps: Stat | undefined;
  seconds: Stat | undefined;
  peakRssMiB: Stat | undefined;
  baselineRssMiB: Stat | undefined;
  cpuSecondsPerGiB: Stat | undefined;
  serverCpuSecondsPerGiB: Stat | undefined;
  /** Sum over the uploads of the library's own maxBufferedBytes (library cases only). */
  maxBufferedMiB: Stat | undefined;
  /** The client's own peak of part data held by all its uploads (library cases, when reported). */
  peakBytesHeldMiB?: Stat | undefined;
  failures: number;
}

export interface CaseResult {
  spec: CaseSpec;
  runs: RunRecord[];
  summary: CaseSummary;
}

/** Single-core hash rates, measured once per round. */
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

/** A target: a ratio between cases of the same run, against a threshold. */
export interface TargetResult {
  id: string;
  description: string;
  threshold: string;
  measured: string;
  value: number | undefined;
  /** Undefined when its cases did not run (filtered out, or failed): not passed. */
  pass: boolean | undefined;
  /** Cases to profile when this target is missed. */
  profile?: string[];
  detail?: string;
}

/** A CPU profile taken of a case whose target was missed. */
export interface ProfileRecord {
  caseId: string;
  reason: string;
  /** Relative to the repository. */
  dir: string;
  summary: ProfileSummary | undefined;
  error?: string;
}

export interface BenchmarkDocument {
  mode: Mode;
  sizes: Sizes;
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
  profiles: ProfileRecord[];
  notes: string[];
}
