import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseSize } from '../lib/cli/units.ts';
import { cliEnv, runCli, startCli } from './helpers/cli.ts';
import { BUCKET, patternBytes, useOss } from './helpers/oss.ts';

const oss = useOss();
const env = () => cliEnv(oss.emulator);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-put-flags-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tempFile(name: string, data: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

const stored = (key: string) => oss.emulator.headObject(BUCKET, key);

describe('sizes', () => {
  it('MB, MiB and M are all binary, as aws s3 cp reads them', () => {
    for (const text of ['8MB', '8MiB', '8M', '8mb', '8 MiB', '8388608']) {
      expect(parseSize(text)).toBe(8 * 1024 * 1024);
    }
    expect(parseSize('100KB')).toBe(102400);
    expect(parseSize('1.5GB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('10B')).toBe(10);
    for (const text of ['8XB', 'MB', '-1MB', '8 M B']) expect(parseSize(text)).toBeUndefined();
  });

  it('--part-size 100KB cuts 300 KiB into exactly 3 parts (1000-based would need 4)', async () => {
    const file = await tempFile('kb.bin', patternBytes(300 * 1024, 21));
    const run = await runCli(
      ['put', file, `oss://${BUCKET}/flags/kb.bin`, '--part-size', '100KB', '--json'],
      env(),
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ partCount: 3, size: 300 * 1024 });
  });
});

describe('put object settings', () => {
  it('--acl, --cache-control, --content-disposition, --tagging reach the object', async () => {
    const file = await tempFile('report.pdf', patternBytes(250 * 1024, 22));
    const run = await runCli(
      [
        'put',
        file,
        `oss://${BUCKET}/flags/`,
        '--part-size',
        '100KiB',
        '--acl',
        'public-read',
        '--cache-control',
        'max-age=60',
        '--content-disposition',
        'attachment; filename="r.pdf"',
        '--tagging',
        'team=a%20b&year=2026',
      ],
      env(),
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(stored('flags/report.pdf')?.headers).toMatchObject({
      // Guessed from the file name.
      'content-type': 'application/pdf',
      'x-oss-object-acl': 'public-read',
      'cache-control': 'max-age=60',
      'content-disposition': 'attachment; filename="r.pdf"',
      'x-oss-tagging': 'team=a%20b&year=2026',
    });
  });

  it('Content-Type: --content-type wins; standard input is guessed from the key', async () => {
    const file = await tempFile('page.html', '<p>hi</p>');
    const given = await runCli(
      ['put', file, `oss://${BUCKET}/flags/page.html`, '--content-type', 'text/x-custom'],
      env(),
    );
    expect(given.code).toBe(0);
    expect(stored('flags/page.html')?.headers['content-type']).toBe('text/x-custom');

    const piped = await runCli(['put', '-', `oss://${BUCKET}/flags/data.json`], env(), '{}');
    expect(piped.code).toBe(0);
    expect(stored('flags/data.json')?.headers['content-type']).toBe('application/json');

    const unknown = await runCli(['put', '-', `oss://${BUCKET}/flags/blob.zzunknown`], env(), 'x');
    expect(unknown.code).toBe(0);
    expect(stored('flags/blob.zzunknown')?.headers['content-type']).toBe(
      'application/octet-stream', // OSS's own default: nothing was sent
    );
  });

  it('--forbid-overwrite refuses to replace an object (exit 4, FileAlreadyExists)', async () => {
    await oss.client.upload('flags/keep.txt', ['original']);
    const run = await runCli(
      ['put', '-', `oss://${BUCKET}/flags/keep.txt`, '--forbid-overwrite'],
      env(),
      'replacement',
    );
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/FileAlreadyExists/);
    expect((await oss.client.getObjectBuffer('flags/keep.txt')).toString()).toBe('original');
  });

  it('--quiet prints nothing on success, not even the upload id; errors still reach stderr', async () => {
    const file = await tempFile('quiet.bin', patternBytes(250 * 1024, 26));
    const ok = await runCli(
      ['put', file, `oss://${BUCKET}/flags/quiet.bin`, '--part-size', '100KiB', '-q'],
      env(),
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(stored('flags/quiet.bin')?.etag).toMatch(/-3"$/); // multipart: an upload id existed
    const bad = await runCli(['put', '-', 'oss://no-such-bucket/q.txt', '--quiet'], env(), 'q');
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/NoSuchBucket/);
  });
});

describe('--leave-parts-on-error', () => {
  it('keeps the parts of a failed upload and says how to resume or remove them', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 3,
      times: 10,
      kind: 'error',
      status: 400,
      code: 'InvalidArgument',
    });
    const file = await tempFile('leave.bin', patternBytes(500 * 1024, 23));
    const run = await runCli(
      [
        'put',
        file,
        `oss://${BUCKET}/flags/leave.bin`,
        '--part-size',
        '100KiB',
        '--concurrency',
        '1',
        '--leave-parts-on-error',
      ],
      env(),
    );
    expect(run.code).toBe(4);
    const [upload] = oss.emulator.listUploads(BUCKET).filter((u) => u.key === 'flags/leave.bin');
    expect(upload?.parts).toBe(2);
    const id = upload?.uploadId as string;
    expect(run.stderr).toContain(`Upload ID ${id}`);
    expect(run.stderr).toContain(
      `the parts of upload ${id} are kept on the server: resume with --resume ${id}, or remove ` +
        `them with: uploads abort oss://${BUCKET}/flags/leave.bin --upload-id ${id}`,
    );
    await oss.client.abortMultipartUpload('flags/leave.bin', id);
  });

  it('--json: the error object carries the upload id and cleanedUp: false', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 2,
      times: 10,
      kind: 'error',
      status: 400,
      code: 'InvalidArgument',
    });
    const file = await tempFile('leave-json.bin', patternBytes(300 * 1024, 24));
    const args = ['put', file, `oss://${BUCKET}/flags/leave-json.bin`, '--part-size', '100KiB'];
    const run = await runCli(
      [...args, '--concurrency', '1', '--leave-parts-on-error', '--json'],
      env(),
    );
    expect(run.code).toBe(4);
    const [upload] = oss.emulator
      .listUploads(BUCKET)
      .filter((u) => u.key === 'flags/leave-json.bin');
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      exitCode: 4,
      error: { code: 'ERR_OSS_UPLOAD_FAILED', uploadId: upload?.uploadId, cleanedUp: false },
    });
    await oss.client.abortMultipartUpload('flags/leave-json.bin', upload?.uploadId as string);
  });

  it('Ctrl-C keeps the parts too, exits 130 and says how to resume', async () => {
    // Part 3 is held by the server, so SIGINT lands while the upload is in flight.
    oss.emulator.faults.add({ operation: 'UploadPart', partNumber: 3, kind: 'stall', ms: 60_000 });
    oss.emulator.stats.reset();
    const file = await tempFile('leave-int.bin', patternBytes(500 * 1024, 25));
    const key = 'flags/leave-int.bin';
    const cli = startCli(
      [
        'put',
        file,
        `oss://${BUCKET}/${key}`,
        '--part-size',
        '100KiB',
        '--concurrency',
        '1',
        '--leave-parts-on-error',
      ],
      env(),
    );
    await vi.waitFor(
      () => {
        if (cli.child.exitCode !== null) throw new Error(`put exited early: ${cli.stderr()}`);
        expect(oss.emulator.stats.requests.UploadPart).toBe(3);
      },
      { timeout: 30_000, interval: 20 },
    );
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    const [upload] = oss.emulator.listUploads(BUCKET).filter((u) => u.key === key);
    expect(upload?.parts).toBe(2);
    expect(oss.emulator.stats.requests.AbortMultipartUpload).toBe(0);
    expect(run.stderr).toContain('Interrupted: stopping; uploaded parts stay on the server');
    expect(run.stderr).toContain(
      `Interrupted; the parts of upload ${upload?.uploadId} are kept on the server: resume with --resume ${upload?.uploadId}`,
    );
    oss.emulator.faults.clear();
    await oss.client.abortMultipartUpload(key, upload?.uploadId as string);
  });
});

describe('messages name the flags', () => {
  it('--region is required for V4 signing, said in flag terms', async () => {
    const run = await runCli(
      ['put', '-', `oss://${BUCKET}/k`],
      cliEnv(oss.emulator, { OSS_REGION: undefined }),
      'x',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'oss-multipart-stream: --region is required for V4 signing when the endpoint does not ' +
        'name it (or set OSS_REGION)\n',
    );
    expect(run.stderr).not.toContain('Invalid option');
  });

  it('a header value the library refuses is reported under its flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--cache-control', 'a\u0001b'], /^oss-multipart-stream: --cache-control: .*U\+0001/],
      [
        ['--content-disposition', 'x\u0002'],
        /^oss-multipart-stream: --content-disposition: .*U\+0002/,
      ],
      [['--meta', 'owner=\u0003'], /^oss-multipart-stream: --meta "owner": .*U\+0003/],
    ];
    for (const [flags, message] of cases) {
      const run = await runCli(['put', '-', `oss://${BUCKET}/k`, ...flags], env(), 'x');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain('Invalid option');
    }
    const bucket = await runCli(['put', '-', 'oss://Bad_Bucket/k'], env(), 'x');
    expect(bucket.code).toBe(2);
    expect(bucket.stderr).toMatch(
      /^oss-multipart-stream: the bucket in oss:\/\/bucket\/…: "Bad_Bucket" /,
    );
  });

  it('a bad --tagging is refused with the flag name', async () => {
    const run = await runCli(['put', '-', `oss://${BUCKET}/k`, '--tagging', 'novalue'], env(), 'x');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--tagging.*key=value pairs joined by &/);
  });

  it('--version prints the package version', async () => {
    const { default: pkg } = await import('../package.json', { with: { type: 'json' } });
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag], env());
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${pkg.version}\n`);
    }
  });
});

describe('--help', () => {
  const flags: [string[], string[]][] = [
    [
      ['put'],
      [
        '--part-size',
        '--concurrency',
        '--content-type',
        '--cache-control',
        '--content-disposition',
        '--meta',
        '--tagging',
        '--acl',
        '--storage-class',
        '--sse',
        '--sse-key-id',
        '--forbid-overwrite',
        '--resume',
        '--leave-parts-on-error',
        '--json',
        '--no-progress',
        '--quiet',
        '--endpoint',
        '--region',
        '--signature-version',
        '--path-style',
        '8MB = 8MiB',
      ],
    ],
    [['get'], ['--json', '--no-progress', '--quiet', 'CRC-64', '--endpoint']],
    [
      ['uploads', 'ls'],
      ['--json', '--endpoint'],
    ],
    [
      ['uploads', 'abort'],
      ['--upload-id', '--older-than', '--json', '--quiet'],
    ],
    [[], ['put', 'get', 'uploads', 'emulator', '--version']],
  ];
  for (const [command, expected] of flags) {
    it(`${['oss-multipart-stream', ...command].join(' ')} --help lists its flags and every exit code`, async () => {
      const run = await runCli([...command, '--help'], env());
      expect(run.code).toBe(0);
      for (const text of expected) expect(run.stdout).toContain(text);
      for (const code of [0, 1, 2, 3, 4, 130, 143]) {
        expect(run.stdout).toMatch(new RegExp(`^ {2}${code} +\\S`, 'm'));
      }
    });
  }
});
