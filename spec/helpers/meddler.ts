/**
 * A small node:http server between the client and the emulator that can say what the emulator
 * never would: it forwards every request as received, and a spec's handler may answer instead
 * (a 200 with an error body, no ETag, no CRC header) or hold the answer back after forwarding.
 */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Answer with this reply, `'hold'` to never answer, or undefined to relay the emulator's. */
export type Meddle = (
  request: SeenRequest,
  forward: () => Promise<Reply>,
) => Promise<Reply | 'hold' | undefined> | Reply | 'hold' | undefined;

export interface Meddler {
  endpoint: string;
  meddle: Meddle | undefined;
  close(): Promise<void>;
}

function forwardTo(target: URL, seen: SeenRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: target.hostname,
        port: target.port,
        method: seen.method,
        path: seen.url,
        headers: seen.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined && name !== 'connection' && name !== 'transfer-encoding') {
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(seen.body);
  });
}

export async function startMeddler(emulatorEndpoint: string): Promise<Meddler> {
  const target = new URL(emulatorEndpoint);
  const sockets = new Set<import('node:net').Socket>();
  const meddler: Meddler = {
    endpoint: '',
    meddle: undefined,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = req.url ?? '/';
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        url,
        query: new URL(url, 'http://x').searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      try {
        const forward = () => forwardTo(target, seen);
        const reply = (await meddler.meddle?.(seen, forward)) ?? (await forward());
        if (reply === 'hold') return;
        // HEAD answers keep the object's length; everything else is framed by the body sent.
        const headers =
          seen.method === 'HEAD'
            ? reply.headers
            : { ...reply.headers, 'content-length': String(reply.body.length) };
        res.writeHead(reply.status, headers);
        res.end(seen.method === 'HEAD' ? undefined : reply.body);
      } catch {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  meddler.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return meddler;
}
