import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(predicate()).toBe(true);
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
});
