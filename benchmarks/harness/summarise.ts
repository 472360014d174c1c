import type { CaseSummary, RunRecord } from './document.ts';
import { GiB, MiB, stat } from './stats.ts';

const mib = (values: unknown[]) =>
  stat(values.filter((x): x is number => typeof x === 'number').map((x) => x / MiB));

/** Medians and ranges of a case's measured runs (warm-up and failed runs left out). */
export function summarise(runs: RunRecord[]): CaseSummary {
  const measured = runs.filter((r) => !r.warmup && r.result && !r.error);
  const ok = measured.map((r) => r.result!);
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
    maxBufferedMiB: mib(ok.map((r) => r.details.maxBufferedBytes)),
    peakBytesHeldMiB: mib(ok.map((r) => r.details.peakBytesHeld)),
    failures: runs.filter((r) => !r.warmup && r.error).length,
  };
}
