/**
 * Summarise V8 CPU profiles (`node --cpu-prof`, one file per thread): self time by function
 * and by file, across the main thread and the worker threads of one run.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './paths.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  /** ms of self time. */
  ms: number;
  /** Share of all sampled time of all threads (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  files: string[];
  threads: {
    file: string;
    thread: string;
    sampledMs: number;
    idleMs: number;
    /** This thread's own top self-time functions. */
    top: SelfTime[];
  }[];
  /** Busy (non-idle) sampled time of all threads together. */
  busyMs: number;
  topFunctions: SelfTime[];
  topFiles: SelfTime[];
  /** Self time by kind of work: hashing, socket writes, GC, this library, dependencies, ... */
  categories: SelfTime[];
}

const root = pathToFileURL(ROOT).href;

function shortUrl(url: string): string {
  if (url === '') return '';
  if (url.startsWith(root)) {
    const path = url.slice(root.length + 1);
    // The harness runs lib/ compiled to benchmarks/.build/ (line numbers are the compiled JS).
    return path.startsWith('benchmarks/.build/')
      ? `lib/${path.slice('benchmarks/.build/'.length)}`
      : path;
  }
  return url.replace(/^file:\/\//, '');
}

/** A coarse attribution of self time: what kind of work it is, and whose. */
function category(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  const fn = frame.functionName;
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)') return '(program: native, unattributed)';
  if (url === 'node:internal/crypto/hash' && fn === 'update')
    return 'MD5 / SHA (node:crypto update)';
  if (url.startsWith('lib/checksum/crc64')) return 'CRC-64 (lib/checksum/crc64)';
  if (fn === 'crc32' && url === 'node:zlib') return 'CRC32 (node:zlib)';
  if (
    url === '' &&
    ['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String'].includes(fn)
  ) {
    return 'socket writes (native)';
  }
  if (url === '') return 'native / builtins (copies, allocation, messaging)';
  if (url.startsWith('lib/')) return 'this library, other (lib/)';
  if (url.startsWith('benchmarks/')) return 'benchmark source generation';
  if (url.startsWith('node:')) return 'node internals, other';
  if (url.includes('node_modules/')) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? 'node_modules';
    return `dependency ${pkg}`;
  }
  return url;
}

function top(map: Map<string, number>, total: number, count: number): SelfTime[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({
      name,
      ms: Math.round(us / 100) / 10,
      percent: Math.round((us / Math.max(total, 1)) * 1000) / 10,
    }));
}

/** Read every .cpuprofile in `dir` (one per thread) and aggregate self time. */
export async function summariseProfiles(dir: string, count = 15): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const threads: ProfileSummary['threads'] = [];
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    let sampled = 0;
    let idle = 0;
    const own = new Map<string, number>();
    for (let i = 0; i < samples.length; i++) {
      const frame = frames.get(samples[i]!);
      // A sample's time is the interval until the next one.
      const us = Math.max(0, deltas[i + 1] ?? 0);
      sampled += us;
      if (!frame || frame.functionName === '(idle)' || frame.functionName === '(root)') {
        idle += us;
        continue;
      }
      busy += us;
      const url = shortUrl(frame.url);
      const name = `${frame.functionName || '(anonymous)'}${url ? ` ${url}:${frame.lineNumber + 1}` : ''}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      own.set(name, (own.get(name) ?? 0) + us);
      const fileKey = url || `(${frame.functionName.replace(/[()]/g, '') || 'native'})`;
      byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
      const cat = category(frame);
      byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
    }
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
    const threadId = file.split('.').at(-3);
    threads.push({
      file,
      thread: threadId === '0' ? 'main' : `worker ${threadId}`,
      sampledMs: Math.round(sampled / 1000),
      idleMs: Math.round(idle / 1000),
      top: top(own, sampled - idle, 8),
    });
  }
  return {
    files,
    threads,
    busyMs: Math.round(busy / 1000),
    topFunctions: top(byFunction, busy, count),
    topFiles: top(byFile, busy, count),
    categories: top(byCategory, busy, 20),
  };
}
