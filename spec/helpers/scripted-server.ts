/**
 * A raw node:http server on 127.0.0.1 that answers what a spec scripts — including answers
 * the emulator would never give — and records every request exactly as it arrived (raw header
 * bytes included), for transport specs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  /** Header names (lower-case) to the exact bytes received for their value. */
  rawHeaders: Map<string, Buffer>;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Script = (req: RecordedRequest, res: ServerResponse, n: number) => void | Promise<void>;

export interface ScriptedServer {
  endpoint: string;
  requests: RecordedRequest[];
  /** Sockets currently open to the server. */
  openSockets(): number;
  answer(script: Script): void;
  close(): Promise<void>;
}

/** Reply with an XML body and the headers given. */
export function xml(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(body);
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': data.length,
    'x-oss-request-id': '0123456789ABCDEF01234567',
    ...headers,
  });
  res.end(data);
}

export async function startScriptedServer(script?: Script): Promise<ScriptedServer> {
  let current: Script = script ?? ((_req, res) => xml(res, 200, ''));
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawHeaders = new Map<string, Buffer>();
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        // node:http decodes header bytes as latin1, so this gives back the bytes received.
        rawHeaders.set(
          (req.rawHeaders[i] as string).toLowerCase(),
          Buffer.from(req.rawHeaders[i + 1] as string, 'latin1'),
        );
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      void Promise.resolve(current(recorded, res, requests.length)).catch((err: unknown) => {
        res.destroy(err as Error);
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    openSockets: () => sockets.size,
    answer(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
