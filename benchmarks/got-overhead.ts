/**
 * How much does got cost over raw node:http for an 8 MiB PUT body, and which body form
 * avoids the cost? Sends each body form to the same loopback sink, interleaved, and reports
 * median MB/s per form. Run: node benchmarks/got-overhead.ts [--rounds N]
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import got from 'got';
import { rawPut } from './shared/raw-put.ts';

const PART = 8 * 1024 * 1024;

async function startSink(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function* views(body: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < body.length; offset += size)
    yield body.subarray(offset, offset + size);
}

type Form =
  | 'raw node:http'
  | 'got, Buffer body'
  | 'got, Readable body + content-length'
  | 'got, Readable of 64 KiB views + content-length';

export async function measureGotOverhead(rounds = 20): Promise<Record<Form, number>> {
  const server = await startSink();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/part`;
  const agent = new http.Agent({ keepAlive: true });
  const body = Buffer.alloc(PART, 7);
  const client = got.extend({ agent: { http: agent }, retry: { limit: 0 } });
  const senders: Record<Form, () => Promise<unknown>> = {
    'raw node:http': () => rawPut(url, body, agent),
    'got, Buffer body': () => client.put(url, { body }),
    'got, Readable body + content-length': () =>
      client.put(url, { body: Readable.from([body]), headers: { 'content-length': `${PART}` } }),
    'got, Readable of 64 KiB views + content-length': () =>
      client.put(url, {
        body: Readable.from(views(body, 65_536)),
        headers: { 'content-length': `${PART}` },
      }),
  };
  const samples = new Map<Form, number[]>();
  for (let round = -2; round < rounds; round++) {
    for (const [form, send] of Object.entries(senders) as [Form, () => Promise<unknown>][]) {
      const start = process.hrtime.bigint();
      await send();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (round >= 0) samples.set(form, [...(samples.get(form) ?? []), PART / 1e6 / seconds]);
    }
  }
  agent.destroy();
  server.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return Object.fromEntries([...samples].map(([form, xs]) => [form, median(xs)])) as Record<
    Form,
    number
  >;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
  const result = await measureGotOverhead(Number(values.rounds));
  for (const [form, mbps] of Object.entries(result))
    console.log(`${form}: ${mbps.toFixed(0)} MB/s`);
}
