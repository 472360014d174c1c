import type { BenchmarkDocument, CaseResult } from './document.ts';

/**
 * DIR/integrity.json: the library with its default checks (MD5 and CRC-64 per part and per
 * object) against single-core MD5 in the same run, into the sink and into the emulator's fast
 * path.
 */
export function integritySummary(doc: BenchmarkDocument) {
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
