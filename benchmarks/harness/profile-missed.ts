/**
 * Where a throughput target was missed, run the cases it names once more under `--cpu-prof`
 * (all threads) and summarise the profiles: the library, and in full mode the peer it lost to.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { CaseRunner } from './case-runner.ts';
import type { BenchmarkDocument, ProfileRecord } from './document.ts';
import { log } from './log.ts';
import { type CaseSpec, libId, SIZES } from './plan.ts';
import { ROOT } from './paths.ts';
import { summariseProfiles } from './profile.ts';

async function profileCase(
  runner: CaseRunner,
  spec: CaseSpec,
  reason: string,
  outDir: string,
): Promise<ProfileRecord> {
  const dir = join(outDir, 'profiles', spec.id);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  log(`profiling ${spec.id} (${reason})`);
  const outcome = await runner.run(spec, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const rel = relative(ROOT, dir);
  if (outcome.error) {
    return { caseId: spec.id, reason, dir: rel, summary: undefined, error: outcome.error };
  }
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    return { caseId: spec.id, reason, dir: rel, summary: undefined, error: 'no profile written' };
  }
  const summary = await summariseProfiles(dir);
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return { caseId: spec.id, reason, dir: rel, summary };
}

export async function profileMissedTargets(
  runner: CaseRunner,
  doc: BenchmarkDocument,
  outDir: string,
): Promise<ProfileRecord[]> {
  const toProfile = new Map<string, string>();
  for (const target of doc.targets) {
    if (target.pass !== false) continue;
    // Quick mode keeps to its time budget: only the library's main case.
    const ids = (target.profile ?? []).filter(
      (id) => doc.mode === 'full' || id === libId(SIZES[doc.mode].main),
    );
    for (const id of ids) {
      toProfile.set(id, [toProfile.get(id), target.id].filter(Boolean).join(', '));
    }
  }
  const profiles: ProfileRecord[] = [];
  for (const [id, reason] of toProfile) {
    const spec = doc.cases.find((c) => c.spec.id === id)?.spec;
    if (spec) profiles.push(await profileCase(runner, spec, `missed: ${reason}`, outDir));
  }
  return profiles;
}
