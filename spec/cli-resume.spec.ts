/**
 * Acceptance: a `put` killed with SIGKILL leaves an upload that `uploads ls` finds and
 * `put --resume` finishes, byte-identical, without sending any stored part again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliEnv, runCli, startCli } from './helpers/cli.ts';
import { BUCKET, patternBytes, useOss } from './helpers/oss.ts';

const oss = useOss();
const env = () => cliEnv(oss.emulator);
const PART = 128 * 1024;
const PARTS = 10;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-resume-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Start `put` one part at a time with part `stallAt` held by the server, wait until every
 * part before it is stored and it has arrived, then SIGKILL: nothing gets to clean up.
 */
async function killMidUpload(file: string, key: string, stallAt: number) {
  oss.emulator.faults.add({
    operation: 'UploadPart',
    partNumber: stallAt,
    kind: 'stall',
    ms: 120_000,
  });
  oss.emulator.stats.reset();
  const cli = startCli(
    ['put', file, `oss://${BUCKET}/${key}`, '--part-size', '128KiB', '--concurrency', '1'],
    env(),
  );
  await vi.waitFor(
    () => {
      if (cli.child.exitCode !== null) throw new Error(`put exited early: ${cli.stderr()}`);
      const uploads = oss.emulator.listUploads(BUCKET).filter((u) => u.key === key);
      expect(uploads.map((u) => u.parts)).toContain(stallAt - 1);
      expect(oss.emulator.stats.requests.UploadPart).toBe(stallAt);
    },
    { timeout: 30_000, interval: 20 },
  );
  // The id is printed as soon as the upload exists, long before the kill.
  const printed = /^Upload ID (\S+) /m.exec(cli.stderr())?.[1];
  cli.child.kill('SIGKILL');
  const killed = await cli.done;
  expect(killed.signal).toBe('SIGKILL');
  oss.emulator.faults.clear();
  return printed;
}

describe('put --resume after SIGKILL', () => {
  it('finds the upload with uploads ls and resumes it: same bytes, no part sent twice', async () => {
    const data = patternBytes(PARTS * PART - 1000, 31);
    const file = join(dir, 'big.bin');
    await writeFile(file, data);
    const key = 'resume/big.bin';

    const printed = await killMidUpload(file, key, 4);
    expect(printed).toMatch(/^[0-9A-F]+$/);

    const ls = await runCli(['uploads', 'ls', `oss://${BUCKET}/resume/`], env());
    expect(ls.code).toBe(0);
    const [line, ...more] = ls.stdout.trimEnd().split('\n');
    expect(more).toEqual([]);
    const listedId = line?.split('\t')[1];
    expect(listedId).toBe(printed);

    oss.emulator.stats.reset();
    const run = await runCli(
      [
        'put',
        file,
        `oss://${BUCKET}/${key}`,
        '--part-size',
        '128KiB',
        '--resume',
        listedId as string,
        '--json',
      ],
      env(),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Resuming upload ${listedId}`);
    expect(JSON.parse(run.stdout)).toMatchObject({ uploadId: listedId, partCount: PARTS });
    // Parts 1-3 were stored before the kill: only 4..10 go up again, each once.
    expect(oss.emulator.stats.requests.UploadPart).toBe(PARTS - 3);
    expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(0);
    expect((await oss.emulator.getObject(BUCKET, key))?.equals(data)).toBe(true);
    expect(oss.emulator.listUploads(BUCKET).filter((u) => u.key === key)).toEqual([]);
  });

  it('--resume latest picks the newest upload of the key', async () => {
    const data = patternBytes(6 * PART, 32);
    const file = join(dir, 'latest.bin');
    await writeFile(file, data);
    const key = 'resume/latest.bin';
    // An older upload of the same key, with nothing in it.
    const older = (await oss.client.initiateMultipartUpload(key)).uploadId;
    const printed = await killMidUpload(file, key, 3);

    oss.emulator.stats.reset();
    const run = await runCli(
      ['put', file, `oss://${BUCKET}/${key}`, '--part-size', '128KiB', '--resume', 'latest'],
      env(),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Resuming upload ${printed}`);
    expect(oss.emulator.stats.requests.UploadPart).toBe(6 - 2);
    expect((await oss.emulator.getObject(BUCKET, key))?.equals(data)).toBe(true);
    // The older upload is untouched.
    expect(oss.emulator.listUploads(BUCKET).map((u) => u.uploadId)).toContain(older);
    await oss.client.abortMultipartUpload(key, older);
  });

  it('a different --part-size on resume still sends only the missing parts', async () => {
    const data = patternBytes(8 * PART + 5, 33);
    const file = join(dir, 'resized.bin');
    await writeFile(file, data);
    const key = 'resume/resized.bin';
    const printed = (await killMidUpload(file, key, 5)) as string;

    oss.emulator.stats.reset();
    const run = await runCli(
      ['put', file, `oss://${BUCKET}/${key}`, '--part-size', '1MiB', '--resume', printed, '--json'],
      env(),
    );
    expect(run.code).toBe(0);
    // The stored parts fix the cut (128 KiB); 1MiB would have re-sent everything as new parts.
    expect(JSON.parse(run.stdout)).toMatchObject({ uploadId: printed, partCount: 9 });
    expect(oss.emulator.stats.requests.UploadPart).toBe(9 - 4);
    expect((await oss.emulator.getObject(BUCKET, key))?.equals(data)).toBe(true);
  });

  it('--resume with an id that is not in progress fails (exit 4) and creates nothing', async () => {
    const file = join(dir, 'bogus.bin');
    await writeFile(file, patternBytes(3 * PART, 34));
    const run = await runCli(
      [
        'put',
        file,
        `oss://${BUCKET}/resume/bogus.bin`,
        '--part-size',
        '128KiB',
        '--resume',
        '0123ABCD',
      ],
      env(),
    );
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/NoSuchUpload/);
    expect(oss.emulator.headObject(BUCKET, 'resume/bogus.bin')).toBeUndefined();
    expect(oss.emulator.listUploads(BUCKET).filter((u) => u.key === 'resume/bogus.bin')).toEqual(
      [],
    );
  });

  it('--resume latest with no upload in progress is a usage error naming the key', async () => {
    const run = await runCli(
      ['put', '-', `oss://${BUCKET}/resume/none.bin`, '--resume', 'latest'],
      env(),
      'x',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `--resume latest: no upload in progress for oss://${BUCKET}/resume/none.bin`,
    );
  });
});
