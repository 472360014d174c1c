import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { crc64 } from '../lib/checksum/crc64.ts';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import { cliEnv, runCli, startCli } from './helpers/cli.ts';
import { BUCKET, patternBytes, useOss } from './helpers/oss.ts';

const oss = useOss();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-get-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = () => cliEnv(oss.emulator);

describe('oss-multipart-stream get', () => {
  const cases: [string, number, number | undefined][] = [
    ['0 B', 0, undefined],
    ['one part (a single PutObject)', 50 * 1024, undefined],
    ['many parts', 2 * 1024 * 1024 + 512 * 1024 + 7, 256 * 1024],
  ];
  for (const [name, size, partSize] of cases) {
    it(`round-trips ${name} byte for byte, to a file and to standard output`, async () => {
      const data = patternBytes(size, size + 1);
      const key = `get/${size}.bin`;
      const uploaded = await oss.client.upload(key, [data], partSize ? { partSize } : {});
      if (partSize) expect(uploaded.partCount).toBe(Math.ceil(size / partSize));

      const file = join(dir, `${size}.bin`);
      const run = await runCli(['get', `oss://${BUCKET}/${key}`, file], env());
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.code).toBe(0);
      expect((await readFile(file)).equals(data)).toBe(true);
      expect(run.stdout).toContain(`Downloaded oss://${BUCKET}/${key} to ${file}`);
      expect(run.stdout).toContain(`CRC-64      ${uploaded.crc64} (matches the object)`);

      const piped = await runCli(['get', `oss://${BUCKET}/${key}`, '-', '--json'], env());
      expect(piped.code).toBe(0);
      expect(piped.stdoutBytes.equals(data)).toBe(true);
      // With the data on stdout, the JSON result goes to stderr.
      expect(JSON.parse(piped.stderr)).toEqual({
        ok: true,
        bucket: BUCKET,
        key,
        file: null,
        size,
        crc64: uploaded.crc64,
        crc64Verified: true,
        md5: expect.stringMatching(/^[0-9a-f]{32}$/),
        elapsedMs: expect.any(Number),
      });
    });
  }

  it('a directory destination takes the object name; --quiet prints nothing', async () => {
    const data = patternBytes(1000, 3);
    await oss.client.upload('get/deep/named.txt', [data]);
    const target = join(dir, 'into');
    await mkdir(target);
    const run = await runCli(['get', `oss://${BUCKET}/get/deep/named.txt`, target, '-q'], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
    expect((await readFile(join(target, 'named.txt'))).equals(data)).toBe(true);
  });

  it('a CRC-64 that does not match fails with exit 4 and keeps the old file', async () => {
    const data = patternBytes(300 * 1024, 4);
    await oss.client.upload('get/wrong-crc.bin', [data], { partSize: 100 * 1024 });
    const target = join(dir, 'wrong-crc');
    await mkdir(target);
    const file = join(target, 'out.bin');
    await writeFile(file, 'the previous version');
    // The emulator answers this GET with a different x-oss-hash-crc64ecma.
    oss.emulator.faults.add({ operation: 'GetObject', kind: 'wrong-crc' });
    for (const json of [false, true]) {
      if (json) oss.emulator.faults.add({ operation: 'GetObject', kind: 'wrong-crc' });
      const args = ['get', `oss://${BUCKET}/get/wrong-crc.bin`, file];
      const run = await runCli(json ? [...args, '--json'] : args, env());
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/download of get\/wrong-crc\.bin is corrupt: CRC-64/);
      if (json) {
        expect(JSON.parse(run.stdout)).toMatchObject({
          ok: false,
          exitCode: 4,
          error: { code: 'ERR_OSS_INTEGRITY' },
        });
      }
      // Nothing replaced, no partial file left beside it.
      expect(await readFile(file, 'utf8')).toBe('the previous version');
      expect(await readdir(target)).toEqual(['out.bin']);
    }
  });

  it('a missing object is exit 4 with the OSS code, and creates no file', async () => {
    const file = join(dir, 'missing.bin');
    const run = await runCli(['get', `oss://${BUCKET}/get/no-such-key`, file], env());
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/NoSuchKey/);
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a location without a key (exit 2)', async () => {
    const run = await runCli(['get', `oss://${BUCKET}/`, join(dir, 'x')], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/names no object/);
  });
});

/**
 * The emulator always sends the bytes it stored. This server sends one flipped byte with the
 * right CRC-64 and length: only a check of the bytes received can notice.
 */
describe('oss-multipart-stream get from a raw server: a corrupt body, a body that stops', () => {
  const data = patternBytes(200 * 1024, 5);
  const corrupted = Buffer.from(data);
  corrupted[123_456] = (corrupted[123_456] as number) ^ 0x01;
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      if (request.method === 'GET' && request.url === `/${BUCKET}/hang.bin`) {
        // Half the object, then nothing: the download is certainly under way and unfinished.
        response.writeHead(200, {
          'content-length': String(data.length),
          'x-oss-hash-crc64ecma': crc64(data).toString(),
        });
        response.write(data.subarray(0, data.length / 2));
        return;
      }
      if (request.method === 'GET' && request.url === `/${BUCKET}/cut.bin`) {
        // Half the object, then the connection drops.
        response.writeHead(200, {
          'content-length': String(data.length),
          'x-oss-hash-crc64ecma': crc64(data).toString(),
        });
        response.write(data.subarray(0, data.length / 2), () => response.socket?.destroy());
        return;
      }
      if (request.method !== 'GET' || request.url !== `/${BUCKET}/corrupt.bin`) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        'content-length': String(corrupted.length),
        'content-type': 'application/octet-stream',
        etag: '"0123456789ABCDEF0123456789ABCDEF"',
        'x-oss-hash-crc64ecma': crc64(data).toString(),
        'x-oss-request-id': '0123456789ABCDEF01234567',
      });
      response.end(corrupted);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('detects the flipped byte, exits 4 and deletes the partial file', async () => {
    const target = join(dir, 'corrupt');
    await mkdir(target);
    const file = join(target, 'corrupt.bin');
    const run = await runCli(
      ['get', `oss://${BUCKET}/corrupt.bin`, file],
      cliEnv(oss.emulator, { OSS_ENDPOINT: endpoint }),
    );
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      `download of corrupt.bin is corrupt: CRC-64 of the bytes received is ${crc64(corrupted)}, ` +
        `the object's is ${crc64(data)}`,
    );
    expect(await readdir(target)).toEqual([]);
  });

  it('a connection dropped mid-body is a transfer failure (exit 4) and leaves no file', async () => {
    const target = join(dir, 'cut');
    await mkdir(target);
    const run = await runCli(
      ['get', `oss://${BUCKET}/cut.bin`, join(target, 'cut.bin'), '--json'],
      cliEnv(oss.emulator, { OSS_ENDPOINT: endpoint }),
    );
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, exitCode: 4 });
    expect(run.stderr).toMatch(/GetObject/);
    expect(await readdir(target)).toEqual([]);
  });

  it('Ctrl-C mid-download exits 130 and removes the partial file', async () => {
    const target = join(dir, 'interrupted');
    await mkdir(target);
    const cli = startCli(
      ['get', `oss://${BUCKET}/hang.bin`, join(target, 'hang.bin')],
      cliEnv(oss.emulator, { OSS_ENDPOINT: endpoint }),
    );
    await vi.waitFor(
      async () => {
        if (cli.child.exitCode !== null) throw new Error(`get exited early: ${cli.stderr()}`);
        const [partial] = await readdir(target);
        expect(partial).toMatch(/^\.hang\.bin\.partial-/);
        expect((await stat(join(target, partial as string))).size).toBe(data.length / 2);
      },
      { timeout: 20_000, interval: 50 },
    );
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('Interrupted; the partial download was removed');
    expect(await readdir(target)).toEqual([]);
  });
});

describe('oss-multipart-stream get when OSS sends no CRC-64', () => {
  let plain: Emulator;

  beforeAll(async () => {
    // The benchmark fast path computes no CRC-64 and sends none.
    plain = await startEmulator({ buckets: [BUCKET], verifyContent: false });
  });

  afterAll(() => plain?.close());

  it('checks the length only and says so (crc64Verified: false)', async () => {
    const env = cliEnv(plain);
    const put = await runCli(['put', '-', `oss://${BUCKET}/plain.txt`, '-q'], env, 'no crc here');
    expect(put.code).toBe(0);
    const file = join(dir, 'plain.txt');
    const run = await runCli(['get', `oss://${BUCKET}/plain.txt`, file], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/CRC-64 {6}\d+ \(not checked: OSS sent no CRC-64\)/);
    expect(await readFile(file, 'utf8')).toBe('no crc here');
    const json = await runCli(['get', `oss://${BUCKET}/plain.txt`, file, '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, crc64Verified: false });
  });
});
