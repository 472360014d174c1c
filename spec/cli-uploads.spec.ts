import { describe, expect, it } from 'vitest';
import { parseDuration } from '../lib/cli/units.ts';
import { cliEnv, runCli } from './helpers/cli.ts';
import { BUCKET, useOss } from './helpers/oss.ts';

const oss = useOss();
const env = () => cliEnv(oss.emulator);
const DAY = 86_400_000;

/** Upload ids of the uploads in progress under `prefix`, as the emulator sees them. */
function idsOnServer(prefix: string): string[] {
  return oss.emulator
    .listUploads(BUCKET)
    .filter((u) => u.key.startsWith(prefix))
    .map((u) => u.uploadId)
    .sort();
}

async function initiate(key: string, client = oss.client): Promise<string> {
  return (await client.initiateMultipartUpload(key)).uploadId;
}

describe('oss-multipart-stream uploads ls', () => {
  it('lists the uploads under a prefix, oldest first, as text and as JSON', async () => {
    const first = await initiate('ls/a/one.bin');
    const second = await initiate('ls/a/two.bin');
    await initiate('ls/b/other.bin');

    const run = await runCli(['uploads', 'ls', `oss://${BUCKET}/ls/a/`], env());
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z\\t${first}\\toss://${BUCKET}/ls/a/one\\.bin$`),
    );
    expect(lines[1]).toMatch(new RegExp(`\\t${second}\\toss://${BUCKET}/ls/a/two\\.bin$`));
    expect(run.stderr).toBe(`2 uploads in progress under oss://${BUCKET}/ls/a/\n`);

    const json = await runCli(['uploads', 'ls', `oss://${BUCKET}/ls/`, '--json'], env());
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as { key: string; uploadId: string }[];
    expect(listed.map((u) => u.key).sort()).toEqual([
      'ls/a/one.bin',
      'ls/a/two.bin',
      'ls/b/other.bin',
    ]);
    expect(listed[0]).toEqual({
      bucket: BUCKET,
      key: expect.any(String),
      uploadId: expect.any(String),
      initiated: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it('prints nothing on stdout when there is no upload', async () => {
    const run = await runCli(['uploads', 'ls', `oss://${BUCKET}/ls/none/`], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`0 uploads in progress under oss://${BUCKET}/ls/none/\n`);
  });
});

describe('oss-multipart-stream uploads abort', () => {
  it('--older-than removes exactly the uploads initiated before the threshold', async () => {
    // Eight days ago by the server's clock: the client learns the skew and signs accordingly.
    oss.emulator.clock.offsetMs = -8 * DAY;
    const oldClient = oss.clientWith({});
    const old = [await initiate('age/x.bin', oldClient), await initiate('age/y/z.bin', oldClient)];
    oss.emulator.clock.offsetMs = 0;
    const recent = [await initiate('age/x.bin'), await initiate('age/new.bin')];
    expect(idsOnServer('age/')).toEqual([...old, ...recent].sort());

    // Nothing is nine days old.
    const none = await runCli(
      ['uploads', 'abort', `oss://${BUCKET}/age/`, '--older-than', '9d'],
      env(),
    );
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('0 uploads aborted\n');
    expect(idsOnServer('age/')).toHaveLength(4);

    const run = await runCli(
      ['uploads', 'abort', `oss://${BUCKET}/age/`, '--older-than', '7d', '--json'],
      env(),
    );
    expect(run.code).toBe(0);
    const aborted = JSON.parse(run.stdout) as { uploadId: string }[];
    expect(aborted.map((u) => u.uploadId).sort()).toEqual([...old].sort());
    expect(idsOnServer('age/')).toEqual([...recent].sort());

    // 0s: every upload under the prefix.
    const all = await runCli(
      ['uploads', 'abort', `oss://${BUCKET}/age/`, '--older-than', '0s'],
      env(),
    );
    expect(all.code).toBe(0);
    expect(all.stderr).toBe('2 uploads aborted\n');
    expect(idsOnServer('age/')).toEqual([]);
  });

  it('ages are written with a unit: s, m, h, d or w', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('7d')).toBe(7 * DAY);
    expect(parseDuration('2w')).toBe(14 * DAY);
    for (const text of ['7', 'd', '7y', '-1d']) expect(parseDuration(text)).toBeUndefined();
  });

  it('a key aborts that key only; --upload-id only that upload', async () => {
    const [a1, a2] = [await initiate('key/a'), await initiate('key/a')];
    const other = await initiate('key/ab');
    const one = await runCli(
      ['uploads', 'abort', `oss://${BUCKET}/key/a`, '--upload-id', a1],
      env(),
    );
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^aborted\\t\\S+\\t${a1}\\toss://${BUCKET}/key/a\\n$`));
    expect(idsOnServer('key/')).toEqual([a2, other].sort());

    const rest = await runCli(['uploads', 'abort', `oss://${BUCKET}/key/a`], env());
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(new RegExp(`^aborted\\t\\S+\\t${a2}\\toss://${BUCKET}/key/a\\n$`));
    expect(rest.stderr).toBe('1 upload aborted\n');
    expect(idsOnServer('key/')).toEqual([other]);
  });

  it('-q prints nothing', async () => {
    const id = await initiate('quiet/a');
    const run = await runCli(['uploads', 'abort', `oss://${BUCKET}/quiet/a`, '-q'], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
    expect(idsOnServer('quiet/')).not.toContain(id);
  });

  it('an --upload-id not in progress is exit 4, and nothing is said to be aborted', async () => {
    const run = await runCli(
      ['uploads', 'abort', `oss://${BUCKET}/key/zzz`, '--upload-id', '0123456789ABCDEF'],
      env(),
    );
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `oss-multipart-stream: upload 0123456789ABCDEF of oss://${BUCKET}/key/zzz is not in ` +
        'progress (completed, aborted, or never started): nothing aborted\n',
    );
  });

  const usage: [string, string[], RegExp][] = [
    [
      'a prefix without --older-than',
      ['uploads', 'abort', `oss://${BUCKET}/`],
      /is a prefix: add --older-than/,
    ],
    [
      '--upload-id with a prefix',
      ['uploads', 'abort', `oss://${BUCKET}/dir/`, '--upload-id', 'X'],
      /--upload-id needs the object's key/,
    ],
    [
      'an age without a unit',
      ['uploads', 'abort', `oss://${BUCKET}/k`, '--older-than', '7'],
      /--older-than.*7d, 12h or 30m/,
    ],
    [
      '--upload-id with --older-than',
      ['uploads', 'abort', `oss://${BUCKET}/k`, '--upload-id', 'X', '--older-than', '1d'],
      /--upload-id and --older-than do not go together/,
    ],
    ['a location that is not oss://', ['uploads', 'ls', 's3://b/'], /oss:\/\/bucket/],
    ['no location', ['uploads', 'ls'], /missing required argument 'location'/],
  ];
  for (const [name, args, message] of usage) {
    it(`${name} is a usage error (exit 2)`, async () => {
      const run = await runCli(args, env());
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(2);
    });
  }
});
