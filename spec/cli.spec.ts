import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, cliEnv as cliEnvFor, collect, NODE, runCli as run, startCli } from './helpers/cli.ts';
import {
  BUCKET,
  md5,
  md5OfObject,
  type OssFixture,
  patternBytes,
  startOss,
} from './helpers/oss.ts';

let oss: OssFixture;
let dir: string;

beforeAll(async () => {
  oss = await startOss();
  dir = await mkdtemp(join(tmpdir(), 'cli-spec-'));
});

afterAll(async () => {
  await oss?.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => oss.emulator.faults.clear());

const cliEnv = (overrides: Record<string, string | undefined> = {}) =>
  cliEnvFor(oss.emulator, overrides);

function runCli(args: string[], options: { env?: Record<string, string>; stdin?: Buffer } = {}) {
  return run(args, options.env ?? cliEnv(), options.stdin);
}

async function tempFile(name: string, data: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

describe('oss-multipart-stream put', () => {
  it('uploads a file with options, prints the summary and exits 0', async () => {
    const data = patternBytes(3 * 1024 * 1024 + 5, 11);
    const file = await tempFile('file.bin', data);
    const run = await runCli([
      'put',
      file,
      'oss://test-bucket/cli/file.bin',
      '--part-size',
      '1MiB',
      '--concurrency',
      '2',
      '--content-type',
      'text/plain',
      '--meta',
      'owner=spec',
      '--meta',
      'run=1',
      '--storage-class',
      'IA',
    ]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Uploaded oss://test-bucket/cli/file.bin');
    expect(run.stdout).toMatch(/Size\s+3\.0 MiB \(3145733 bytes\)/);
    expect(run.stdout).toMatch(/Parts\s+4\n/);
    expect(run.stdout).toMatch(/ETag\s+"[0-9A-F]{32}-4"/);
    expect(run.stdout).toMatch(/CRC-64\s+\d+/);
    expect(run.stdout).toMatch(/Throughput\s+[\d.]+ [KMG]?i?B\/s/);
    // Not a TTY: plain progress lines on stderr, never a bar.
    expect(run.stderr).toMatch(/^progress: 100% 3\.0 MiB \/ 3\.0 MiB .*parts 4 done, 0 in flight/m);
    expect(run.stderr).not.toContain('\u2588');

    expect(await md5OfObject(oss.client, 'cli/file.bin')).toEqual({
      md5: md5(data),
      size: data.length,
    });
    const head = oss.emulator.headObject(BUCKET, 'cli/file.bin');
    expect(head?.headers).toMatchObject({
      'content-type': 'text/plain',
      'x-oss-meta-owner': 'spec',
      'x-oss-meta-run': '1',
    });
    expect(run.stdout).toContain(head?.crc64);
  });

  it('names the object after the file when the key ends in /', async () => {
    const file = await tempFile('named.txt', Buffer.from('hello'));
    const run = await runCli(['put', file, 'oss://test-bucket/dir/', '--no-progress']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/Parts\s+1 \(single PutObject\)/);
    expect((await oss.client.getObjectBuffer('dir/named.txt')).toString()).toBe('hello');
  });

  it('uploads standard input (-) of unknown length and prints JSON with --json', async () => {
    const data = patternBytes(2 * 1024 * 1024 + 100 * 1024, 12);
    const run = await runCli(
      ['put', '-', 'oss://test-bucket/cli/stdin.bin', '--part-size', '512KiB', '--json'],
      { stdin: data },
    );
    expect(run.code).toBe(0);
    // --json: no progress; only the upload id, printed when the upload began.
    const result = JSON.parse(run.stdout);
    expect(run.stderr).toBe(
      `Upload ID ${result.uploadId} (if interrupted: --resume ${result.uploadId})\n`,
    );
    expect(result).toEqual({
      ok: true,
      bucket: BUCKET,
      key: 'cli/stdin.bin',
      size: data.length,
      partCount: 5,
      etag: expect.stringMatching(/^"[0-9A-F]{32}-5"$/),
      crc64: oss.emulator.headObject(BUCKET, 'cli/stdin.bin')?.crc64,
      uploadId: expect.any(String),
      elapsedMs: expect.any(Number),
      bytesPerSecond: expect.any(Number),
    });
    expect(await md5OfObject(oss.client, 'cli/stdin.bin')).toEqual({
      md5: md5(data),
      size: data.length,
    });
  });

  it('accepts the ALIBABA_CLOUD_* credential names and V1 signing', async () => {
    const { accessKeyId, accessKeySecret } = oss.emulator.credentials;
    const env = cliEnv({
      OSS_ACCESS_KEY_ID: undefined,
      OSS_ACCESS_KEY_SECRET: undefined,
      ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret,
    });
    const run = await runCli(
      ['put', '-', 'oss://test-bucket/cli/alibaba.txt', '--signature-version', 'v1'],
      { env, stdin: Buffer.from('via ALIBABA_CLOUD_*') },
    );
    expect(run.code).toBe(0);
    expect((await oss.client.getObjectBuffer('cli/alibaba.txt')).toString()).toBe(
      'via ALIBABA_CLOUD_*',
    );
  });

  describe('authentication errors exit 3 and never print the secret', () => {
    const wrongSecret = 'Wr0ngSecretThatMustNeverBePrinted';
    const cases: [string, Record<string, string | undefined>, RegExp][] = [
      ['a wrong secret', { OSS_ACCESS_KEY_SECRET: wrongSecret }, /SignatureDoesNotMatch/],
      [
        'an unknown key id',
        { OSS_ACCESS_KEY_ID: 'LTAIunknownkeyid0000000', OSS_ACCESS_KEY_SECRET: wrongSecret },
        /InvalidAccessKeyId/,
      ],
      [
        'an STS token the server does not know',
        { OSS_SESSION_TOKEN: `${wrongSecret}Token` },
        /InvalidAccessKeyId|InvalidSecurityToken|AccessDenied|SecurityToken/,
      ],
      [
        'no credentials at all',
        { OSS_ACCESS_KEY_ID: undefined, OSS_ACCESS_KEY_SECRET: undefined },
        /No credentials in the environment.*OSS_ACCESS_KEY_ID/,
      ],
      [
        'half a key pair',
        { OSS_ACCESS_KEY_SECRET: undefined },
        /OSS_ACCESS_KEY_ID is set but OSS_ACCESS_KEY_SECRET is not/,
      ],
    ];
    for (const [name, env, message] of cases) {
      it(name, async () => {
        const file = await tempFile('auth.bin', patternBytes(300 * 1024, 13));
        for (const json of [false, true]) {
          const args = ['put', file, 'oss://test-bucket/cli/auth.bin', '--part-size', '100KiB'];
          const run = await runCli(json ? [...args, '--json'] : args, { env: cliEnv(env) });
          expect(run.code).toBe(3);
          expect(run.stderr).toMatch(message);
          const output = run.stdout + run.stderr;
          expect(output).not.toContain(wrongSecret);
          expect(output).not.toContain(oss.emulator.credentials.accessKeySecret);
          if (json) expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, exitCode: 3 });
        }
        expect(await oss.client.listMultipartUploads()).toEqual([]);
      });
    }
  });

  it('a missing bucket is a transfer failure (exit 4) with the OSS code', async () => {
    const file = await tempFile('nobucket.bin', patternBytes(1000, 14));
    const run = await runCli(['put', file, 'oss://no-such-bucket/x.bin']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/NoSuchBucket/);
    const json = await runCli(['put', file, 'oss://no-such-bucket/x.bin', '--json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 4,
      error: { code: 'ERR_OSS_UPLOAD_FAILED', status: 404, ossCode: 'NoSuchBucket' },
    });
  });

  it('a server failure mid-upload exits 4 and leaves no upload behind', async () => {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 2,
      times: 10,
      kind: 'error',
      status: 400,
      code: 'InvalidArgument',
    });
    const file = await tempFile('fails.bin', patternBytes(400 * 1024, 15));
    const run = await runCli([
      'put',
      file,
      'oss://test-bucket/cli/fails.bin',
      '--part-size',
      '100KiB',
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/part 2.*InvalidArgument/);
    expect(await oss.client.listMultipartUploads()).toEqual([]);
  });

  describe('usage errors exit 2', () => {
    const cases: [string, string[], RegExp][] = [
      ['no command', [], /Usage: oss-multipart-stream/],
      ['a missing destination', ['put', 'x'], /missing required argument 'destination'/],
      ['a destination that is not oss://', ['put', '-', 's3://b/k'], /oss:\/\/bucket\/key/],
      ['no key for stdin', ['put', '-', 'oss://test-bucket/'], /names no object key/],
      [
        'an unknown option',
        ['put', '-', 'oss://test-bucket/k', '--bogus'],
        /unknown option '--bogus'/,
      ],
      [
        'a bad part size',
        ['put', '-', 'oss://test-bucket/k', '--part-size', '8XB'],
        /--part-size.*8MiB, 8MB or 8388608/,
      ],
      [
        'a part size below the minimum',
        ['put', '-', 'oss://test-bucket/k', '--part-size', '1KiB'],
        /Must be between 100\.0 KiB/,
      ],
      [
        'a bad concurrency',
        ['put', '-', 'oss://test-bucket/k', '--concurrency', '0'],
        /--concurrency/,
      ],
      [
        'a bad signature version',
        ['put', '-', 'oss://test-bucket/k', '--signature-version', 'v2'],
        /Allowed choices are v4, v1/,
      ],
      [
        'a bad storage class',
        ['put', '-', 'oss://test-bucket/k', '--storage-class', 'Hot'],
        /Allowed choices/,
      ],
      [
        '--sse-key-id without KMS',
        ['put', '-', 'oss://test-bucket/k', '--sse', 'AES256', '--sse-key-id', 'k1'],
        /--sse-key-id needs --sse KMS/,
      ],
      ['a bad --meta', ['put', '-', 'oss://test-bucket/k', '--meta', 'novalue'], /name=value/],
      [
        'a metadata name OSS refuses',
        ['put', '-', 'oss://test-bucket/k', '--meta', 'a b=c'],
        /--meta "a b": /,
      ],
      ['an invalid bucket name', ['put', '-', 'oss://Bad_Bucket/k'], /bucket/i],
      ['an invalid key', ['put', '-', 'oss://test-bucket//leading-slash'], /Invalid object key/],
      [
        'a file that does not exist',
        ['put', '/nonexistent/file', 'oss://test-bucket/k'],
        /cannot read \/nonexistent\/file: ENOENT/,
      ],
      ['a directory', ['put', '.', 'oss://test-bucket/k'], /is a directory/],
      ['no endpoint', ['put', '-', 'oss://test-bucket/k'], /no endpoint/],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        const env =
          name === 'no endpoint'
            ? cliEnv({ OSS_ENDPOINT: undefined, OSS_REGION: undefined })
            : cliEnv();
        const run = await runCli(args, { env, stdin: Buffer.from('data') });
        expect(run.stderr).toMatch(message);
        expect(run.code).toBe(2);
      });
    }

    it('--help exits 0 and documents credentials and exit codes', async () => {
      const run = await runCli(['put', '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('OSS_ACCESS_KEY_ID');
      expect(run.stdout).toContain('ALIBABA_CLOUD_SECURITY_TOKEN');
      expect(run.stdout).toMatch(/Exit codes:\n {2}0 +success/);
      for (const code of [1, 2, 3, 4, 130, 143]) {
        expect(run.stdout).toMatch(new RegExp(`^ {2}${code} +\\S`, 'm'));
      }
    });
  });

  it('Ctrl-C mid-upload aborts the upload on the server and exits 130', async () => {
    // Every part stalls on the server, so the upload is certainly in flight when SIGINT lands.
    oss.emulator.faults.add({
      operation: 'UploadPart',
      kind: 'stall',
      ms: 30_000,
      times: Infinity,
    });
    oss.emulator.stats.reset();
    const file = await tempFile('sigint.bin', patternBytes(2 * 1024 * 1024, 16));
    const cli = startCli(
      [
        'put',
        file,
        'oss://test-bucket/cli/sigint.bin',
        '--part-size',
        '256KiB',
        '--concurrency',
        '3',
      ],
      cliEnv(),
    );
    await vi.waitFor(
      () => expect(oss.emulator.stats.requests.UploadPart).toBeGreaterThanOrEqual(3),
      {
        timeout: 10_000,
        interval: 10,
      },
    );
    const uploads = oss.emulator.listUploads(BUCKET);
    expect(uploads).toHaveLength(1);
    const sentAt = Date.now();
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(10_000); // stalled parts were cancelled, not awaited
    expect(run.stderr).toContain('Interrupted: aborting the upload on the server');
    expect(run.stderr).toContain(
      `Interrupted; upload ${uploads[0]?.uploadId} was aborted on the server`,
    );
    expect(oss.emulator.stats.requests.AbortMultipartUpload).toBe(1);
    expect(await oss.client.listMultipartUploads()).toEqual([]);
    expect(oss.emulator.headObject(BUCKET, 'cli/sigint.bin')).toBeUndefined();
  });

  it('draws a live progress bar on a terminal and ends cleanly with the summary', async () => {
    // Slow parts down a little so the bar is drawn while the upload runs (10 redraws a second).
    oss.emulator.faults.add({ operation: 'UploadPart', kind: 'stall', ms: 200, times: Infinity });
    const file = await tempFile('tty.bin', patternBytes(2 * 1024 * 1024, 17));
    const command = `${NODE} ${CLI} put ${file} oss://test-bucket/cli/tty.bin --part-size 256KiB --concurrency 2`;
    // `script` runs the command on a pseudo-terminal: stdout and stderr are TTYs.
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...cliEnv(), COLUMNS: '120', LINES: '40', TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const run = await collect(child).done;
    child.stdin?.end();
    expect(run.code).toBe(0);
    const screen = run.stdout;
    expect(screen).toContain('\u2588'); // the bar's filled and
    expect(screen).toContain('\u2591'); // empty cells, drawn part-way through
    expect(screen).toMatch(
      /\d+% \| [\d.]+ (KiB|MiB) \/ 2\.0 MiB \| [\d.]+ \S+\/s \| parts \d done, [12] in flight \| ETA/,
    );
    expect(screen).toMatch(/100% \| 2\.0 MiB \/ 2\.0 MiB \| .* \| parts 8 done, 0 in flight/);
    // Redrawn in place (carriage returns), the cursor hidden while drawing and shown again.
    expect(screen).toMatch(/\r/);
    expect(screen).toContain('\x1b[?25l');
    expect(screen.lastIndexOf('\x1b[?25h')).toBeGreaterThan(screen.lastIndexOf('\x1b[?25l'));
    // The summary comes after the bar's last frame, and the output ends with it.
    const lines = screen.replace(/\r\n/g, '\n').trimEnd().split('\n');
    expect(lines.at(-6)).toBe('Uploaded oss://test-bucket/cli/tty.bin');
    expect(lines.at(-1)).toMatch(/^ {2}Throughput {2}[\d.]+ \S+\/s \([\d.]+ m?s\)$/);
    expect(screen.indexOf('Uploaded oss://')).toBeGreaterThan(screen.lastIndexOf('100%'));
  });
});
