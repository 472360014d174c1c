import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { runEmulatorCli } from '../lib/testing/cli.ts';
import type { Emulator } from '../lib/testing/index.ts';
import { expectStatus, ossRequest } from './helpers/raw-oss.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { stream, text: () => text };
}

async function waitFor(predicate: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(predicate()).toBe(true), { timeout: 5_000, interval: 10 });
}

describe('runEmulatorCli', () => {
  it('starts, prints endpoint, buckets and credentials, serves requests, stops on signal', async () => {
    const out = capture();
    const stop = new AbortController();
    const running = runEmulatorCli(
      ['--port', '0', '--bucket', 'cli-one', '--bucket', 'cli-two', '--region', 'cn-beijing'],
      { stdout: out.stream, signal: stop.signal },
    );
    await waitFor(() => out.text().includes('OSS_ACCESS_KEY_SECRET='));
    const env = Object.fromEntries(
      out
        .text()
        .split('\n')
        .filter((line) => /^OSS_[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env['OSS_ENDPOINT']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env['OSS_REGION']).toBe('cn-beijing');
    expect(env['OSS_BUCKET']).toBe('cli-one');
    expect(out.text()).toContain('cli-two');
    const target = {
      endpoint: env['OSS_ENDPOINT']!,
      region: env['OSS_REGION']!,
      credentials: {
        accessKeyId: env['OSS_ACCESS_KEY_ID']!,
        accessKeySecret: env['OSS_ACCESS_KEY_SECRET']!,
      },
    } as Emulator;
    expectStatus(
      await ossRequest(target, { method: 'PUT', bucket: 'cli-two', key: 'k', body: 'x' }),
      200,
    );
    stop.abort();
    expect(await running).toBe(0);
    expect(out.text()).toContain('stopped');
  });

  it('--help prints usage; bad arguments exit with 2', async () => {
    const out = capture();
    expect(await runEmulatorCli(['--help'], { stdout: out.stream })).toBe(0);
    expect(out.text()).toContain('--bucket');
    const err = capture();
    expect(await runEmulatorCli(['--nope'], { stderr: err.stream })).toBe(2);
    expect(await runEmulatorCli(['--port', 'eighty'], { stderr: err.stream })).toBe(2);
    expect(await runEmulatorCli(['--access-key-id', 'only-id'], { stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('--port');
  });

  it('accepts a fixed key pair', async () => {
    const out = capture();
    const stop = new AbortController();
    const running = runEmulatorCli(
      ['--port', '0', '--access-key-id', 'LTAIfixed', '--access-key-secret', 'fixed-secret'],
      { stdout: out.stream, signal: stop.signal },
    );
    await waitFor(() => out.text().includes('OSS_ACCESS_KEY_SECRET='));
    expect(out.text()).toContain('OSS_ACCESS_KEY_ID=LTAIfixed\n');
    expect(out.text()).toContain('OSS_ACCESS_KEY_SECRET=fixed-secret\n');
    stop.abort();
    expect(await running).toBe(0);
  });

  it('--tls serves HTTPS and prints NODE_EXTRA_CA_CERTS, which a Node process can use as is', async () => {
    const out = capture();
    const stop = new AbortController();
    const dir = await mkdtemp(join(tmpdir(), 'emu-cli-tls-'));
    const caOut = join(dir, 'ca.pem');
    const running = runEmulatorCli(['--port', '0', '--tls', '--ca-out', caOut], {
      stdout: out.stream,
      signal: stop.signal,
    });
    try {
      await waitFor(() => out.text().includes('NODE_EXTRA_CA_CERTS='));
      const endpoint = /OSS_ENDPOINT=(\S+)/.exec(out.text())?.[1];
      expect(endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(out.text()).toContain(`NODE_EXTRA_CA_CERTS=${caOut}\n`);
      expect(await readFile(caOut, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      const script = `require('node:https').get(${JSON.stringify(`${endpoint}/`)}, (res) => { console.log(res.statusCode); res.resume(); }).on('error', (e) => console.log(e.code));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
        env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: caOut },
        timeout: 20_000,
      });
      // An OSS error status (ListBuckets is not implemented), not a certificate error.
      expect(stdout.trim()).toMatch(/^\d{3}$/);
    } finally {
      stop.abort();
      expect(await running).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--ca-out without --tls exits with 2', async () => {
    const err = capture();
    expect(await runEmulatorCli(['--ca-out', 'x.pem'], { stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('--ca-out needs --tls');
  });
});
