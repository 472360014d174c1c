/**
 * Server-side proxying with plain node:http: clients upload to this server, which streams each
 * body straight into OSS. Memory stays bounded by the client's `memoryLimit`, shared by every
 * upload: when it is spent, the uploads wait and backpressure reaches the clients' sockets.
 *
 *   PUT  /upload/<key>   the raw request body becomes the object <key>
 *   POST /form           multipart/form-data: the first file field becomes the object named
 *                        by a preceding `key` field, or by the file's name
 *
 * 200 with JSON { key, size, etag, crc64 } once the object exists; 400 for a bad key or a
 * malformed or truncated form; 502 when OSS fails; 503 while stopping. A client that
 * disconnects mid-upload gets its upload aborted on OSS. SIGTERM or SIGINT: stop accepting,
 * abort the uploads in flight on OSS, exit.
 *
 * Needs upload-proxy.ts beside it, and:  npm install oss-multipart-stream busboy
 * Run (Node >= 22.18 runs .ts files as they are; 22.6-22.17 need --experimental-strip-types):
 *   OSS_ENDPOINT=https://oss-cn-hangzhou.aliyuncs.com OSS_BUCKET=... \
 *   OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... node proxy-server.ts [port]
 *   curl -T big.iso http://127.0.0.1:8080/upload/isos/big.iso
 *   curl -F key=docs/report.pdf -F file=@report.pdf http://127.0.0.1:8080/form
 * Optional: OSS_REGION, OSS_SESSION_TOKEN (STS), OSS_MEMORY_LIMIT (bytes of part data for all
 * uploads together, default 512 MiB), OSS_PART_SIZE (default 8 MiB), OSS_CONCURRENCY (default 4).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  allowLongUploads,
  clientFromEnv,
  HttpError,
  isMain,
  type StoredObject,
  stopOnSignals,
  UploadProxy,
  type UploadProxyOptions,
  uploadOptionsFromEnv,
} from './upload-proxy.ts';

export function createProxyServer(options: UploadProxyOptions): {
  server: Server;
  proxy: UploadProxy;
} {
  const proxy = new UploadProxy(options);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<StoredObject> {
    if (proxy.stopping) throw new HttpError(503, 'ERR_SHUTTING_DOWN', 'the server is stopping');
    const { pathname } = new URL(req.url ?? '/', 'http://proxy');
    if (req.method === 'PUT' && pathname.startsWith('/upload/')) {
      return proxy.storeBody(req, res, decodeURIComponent(pathname.slice('/upload/'.length)));
    }
    if (req.method === 'POST' && pathname === '/form') return proxy.storeFormFile(req, res);
    throw new HttpError(404, 'ERR_NOT_FOUND', 'PUT /upload/<key> or POST /form');
  }

  const server = allowLongUploads(
    createServer((req, res) => {
      route(req, res).then(
        (stored) => proxy.reply(res, 200, stored),
        (error: unknown) => proxy.fail(res, error),
      );
    }),
  );
  return { server, proxy };
}

if (isMain(import.meta.filename)) {
  const client = clientFromEnv();
  const { server, proxy } = createProxyServer({ client, upload: uploadOptionsFromEnv() });
  stopOnSignals(proxy, server);
  server.listen(Number(process.argv[2] ?? 8080), '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    console.log(`Proxy on http://127.0.0.1:${port}`);
  });
}
