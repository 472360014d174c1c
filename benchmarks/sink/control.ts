/**
 * The loopback control port beside a benchmark server: `GET /stats` (this process's CPU time,
 * RSS and counters) and `GET /object?bucket=B&key=K` (size and part count of a completed
 * object), so the harness can check that every byte arrived without the data plane knowing.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  endpoint: string;
  control: string;
  close(): Promise<void>;
}

export async function listen(server: http.Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** What the control port reports of a completed object. */
export interface ObjectInfo {
  size: number;
  etag: string;
  partCount: number;
}

export type ObjectLookup = (bucket: string, key: string) => ObjectInfo | undefined;

export async function startControl(
  counters: () => unknown,
  lookup: ObjectLookup,
): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    if (url.pathname === '/stats') {
      const cpu = process.cpuUsage();
      return json(res, 200, {
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        rssBytes: process.memoryUsage.rss(),
        counters: counters(),
      });
    }
    if (url.pathname === '/object') {
      const object = lookup(
        url.searchParams.get('bucket') ?? '',
        url.searchParams.get('key') ?? '',
      );
      return object ? json(res, 200, object) : json(res, 404, { error: 'no such object' });
    }
    json(res, 404, { error: 'unknown control path' });
  });
  return { url: await listen(server), server };
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
