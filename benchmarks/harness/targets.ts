/**
 * The targets, as ratios between cases of the same run: throughput and peak RSS against
 * @aws-sdk/lib-storage and ali-oss, peak RSS flat with object size, simultaneous uploads
 * within their documented bound, and throughput with every check on against single-core MD5.
 * A target whose cases did not run (filtered out, or failed) is undefined, not passed.
 */
import type { BenchmarkDocument, CaseResult, TargetResult } from './document.ts';
import { documentedBound, libId, NO_MEMORY_LIMIT, SIZES, sourceId } from './plan.ts';
import { formatBytes, MiB } from './stats.ts';

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Median peak RSS minus median RSS before the timed part, MiB. */
export function aboveIdle(c: CaseResult | undefined): number | undefined {
  const peak = c?.summary.peakRssMiB?.median;
  const idle = c?.summary.baselineRssMiB?.median;
  return peak === undefined || idle === undefined ? undefined : peak - idle;
}

export function evaluateTargets(doc: BenchmarkDocument): TargetResult[] {
  const sizes = SIZES[doc.mode];
  const byId = new Map(doc.cases.map((c) => [c.spec.id, c]));
  const mbps = (c: CaseResult | undefined) => c?.summary.mbps?.median;
  const rss = (c: CaseResult | undefined) => c?.summary.peakRssMiB?.median;
  const lib = byId.get(libId(sizes.main));
  const targets: TargetResult[] = [];

  const ratioTarget = (
    id: string,
    description: string,
    numerator: number | undefined,
    denominator: number | undefined,
    threshold: number,
    atLeast: boolean,
    profile: string[] | undefined,
    unit: string,
  ) => {
    const value =
      numerator !== undefined && denominator !== undefined && denominator > 0
        ? round2(numerator / denominator)
        : undefined;
    targets.push({
      id,
      description,
      threshold: `${atLeast ? '≥' : '≤'} ${threshold}`,
      measured:
        value === undefined
          ? 'not measured'
          : `${value}× (${numerator!.toFixed(0)} / ${denominator!.toFixed(0)} ${unit})`,
      value,
      pass: value === undefined ? undefined : atLeast ? value >= threshold : value <= threshold,
      ...(profile ? { profile } : {}),
    });
  };

  const libStorage = byId.get('lib-storage');
  ratioTarget(
    'throughput-vs-lib-storage',
    'throughput vs @aws-sdk/lib-storage',
    mbps(lib),
    mbps(libStorage),
    1.2,
    true,
    [libId(sizes.main), 'lib-storage'],
    'MB/s',
  );
  ratioTarget(
    'rss-vs-lib-storage',
    'peak RSS vs @aws-sdk/lib-storage',
    rss(lib),
    rss(libStorage),
    0.6,
    false,
    undefined,
    'MiB',
  );
  // ali-oss multipartUpload needs a file: compared with this library reading the same file.
  const libFile = byId.get(libId(sizes.main, '-file'));
  ratioTarget(
    'throughput-vs-ali-oss',
    'throughput vs ali-oss multipartUpload (both reading the same file)',
    mbps(libFile),
    mbps(byId.get('ali-oss-multipart')),
    2,
    true,
    [libId(sizes.main, '-file')],
    'MB/s',
  );

  // Peak RSS against object size. Every contender's RSS includes the source's garbage (dead
  // 64 KiB chunks waiting for the collector), which itself grows with the length of the run:
  // the source alone, measured at the same sizes, is subtracted from the growth.
  const first = sizes.scale[0]!;
  const last = sizes.scale.at(-1)!;
  const libSmall = rss(byId.get(libId(first)));
  const libLarge = rss(byId.get(libId(last)));
  const srcSmall = rss(byId.get(sourceId(first)));
  const srcLarge = rss(byId.get(sourceId(last)));
  const haveAll = [libSmall, libLarge, srcSmall, srcLarge].every((x) => x !== undefined);
  const corrected = haveAll ? round2((libLarge! - (srcLarge! - srcSmall!)) / libSmall!) : undefined;
  targets.push({
    id: 'flat-rss',
    description: `peak RSS flat with object size (${formatBytes(last)} vs ${formatBytes(first)}, less the source's own growth)`,
    threshold: '≤ 1.15',
    measured:
      corrected === undefined
        ? 'not measured'
        : `${corrected}× (${libSmall!.toFixed(0)} → ${libLarge!.toFixed(0)} MiB; the source alone ${srcSmall!.toFixed(0)} → ${srcLarge!.toFixed(0)} MiB)`,
    value: corrected,
    pass: corrected === undefined ? undefined : corrected <= 1.15,
  });

  // N simultaneous uploads: memory above the idle process, less what the N sources alone
  // take above theirs, within N × the documented bound.
  const bound = documentedBound();
  const rows: string[] = [];
  let pass: boolean | undefined = true;
  let worst: number | undefined;
  for (const count of sizes.simultaneousCounts) {
    const id =
      count === 1 ? libId(sizes.simultaneousBytes) : libId(sizes.simultaneousBytes, `-x${count}`);
    const used = aboveIdle(byId.get(id));
    const source = aboveIdle(byId.get(sourceId(sizes.simultaneousBytes, count)));
    if (used === undefined || source === undefined) {
      pass = undefined;
      continue;
    }
    const own = used - Math.max(0, source);
    const allowed = (count * bound) / MiB;
    worst = Math.max(worst ?? 0, own / allowed);
    if (own > allowed && pass !== undefined) pass = false;
    rows.push(`${count}: ${own.toFixed(0)} of ${allowed.toFixed(0)} MiB`);
  }
  targets.push({
    id: 'simultaneous-memory',
    description: `memory of N simultaneous uploads (above idle, less the sources alone) within N × (concurrency + 1) × partSize + highWaterMark (${(bound / MiB).toFixed(2)} MiB)`,
    threshold: '≤ 1 × the bound',
    measured: rows.length
      ? `${rows.join('; ')}${worst === undefined ? '' : ` (worst ${round2(worst)}×)`}`
      : 'not measured',
    value: worst === undefined ? undefined : round2(worst),
    pass: rows.length === sizes.simultaneousCounts.length ? pass : undefined,
  });

  // The client's memoryLimit, by its own accounting: never more part data held than the limit.
  const limitedCases = doc.cases.filter(
    (c) =>
      c.spec.groups.includes('memory-limit') &&
      typeof c.spec.clientOptions?.memoryLimit === 'number' &&
      c.spec.clientOptions.memoryLimit !== NO_MEMORY_LIMIT,
  );
  for (const c of limitedCases) {
    const limit = (c.spec.clientOptions!.memoryLimit as number) / MiB;
    const held = c.summary.peakBytesHeldMiB?.max;
    ratioTarget(
      `memory-limit-${c.spec.id}`,
      `part data held by ${c.spec.uploads} uploads of one client vs its memoryLimit (${formatBytes(limit * MiB)}), client's own accounting, worst run`,
      held,
      limit,
      1,
      false,
      undefined,
      'MiB',
    );
  }

  ratioTarget(
    'integrity-vs-md5',
    'throughput with MD5 + CRC-64 on (sink) vs single-core MD5',
    mbps(lib),
    doc.hash.md5MBps?.median,
    0.85,
    true,
    [libId(sizes.main)],
    'MB/s',
  );
  return targets;
}
