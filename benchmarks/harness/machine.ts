import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Machine } from './document.ts';
import { ROOT } from './paths.ts';
import { GiB } from './stats.ts';

/** The commit measured, and whether lib/ differed from it (uncommitted changes). */
function gitInfo(): { commit: string | undefined; dirty: boolean | undefined } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const status = execFileSync('git', ['status', '--porcelain', '--', 'lib'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return { commit: commit.trim(), dirty: status.trim() !== '' };
  } catch {
    return { commit: undefined, dirty: undefined };
  }
}

export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** The machine and the code a run measures (loadAverageEnd is filled in at the end). */
export function describeMachine(): Machine {
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
    loadAverageStart: loadAverage(),
    loadAverageEnd: [],
    gitCommit: git.commit,
    gitDirty: git.dirty,
  };
}
