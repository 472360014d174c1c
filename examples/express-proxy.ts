/**
 * The proxy example as an Express 5 app: the same routes and answers as proxy-server.ts.
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
 * No body-parsing middleware may run on these routes: the handlers stream the request itself.
 *
 * Needs upload-proxy.ts beside it, and:  npm install oss-multipart-stream busboy express
 * (TypeScript: @types/busboy @types/express). Run as proxy-server.ts, with the same variables:
 *   OSS_ENDPOINT=... OSS_BUCKET=... OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... \
 *   node express-proxy.ts [port]
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  allowLongUploads,
  clientFromEnv,
  HttpError,
  isMain,
  stopOnSignals,
  UploadProxy,
  type UploadProxyOptions,
  uploadOptionsFromEnv,
} from './upload-proxy.ts';

export function createExpressProxy(options: UploadProxyOptions): {
  app: express.Express;
  proxy: UploadProxy;
} {
  const proxy = new UploadProxy(options);
  const app = express();
  app.disable('x-powered-by');

  app.use((_req, _res, next) => {
    next(
      proxy.stopping
        ? new HttpError(503, 'ERR_SHUTTING_DOWN', 'the server is stopping')
        : undefined,
    );
  });
  // Express 5 hands a wildcard over as its decoded path segments.
  app.put('/upload/*key', (req: Request<{ key: string[] }>, res, next) => {
    proxy
      .storeBody(req, res, req.params.key.join('/'))
      .then((stored) => proxy.reply(res, 200, stored), next);
  });
  app.post('/form', (req, res, next) => {
    proxy.storeFormFile(req, res).then((stored) => proxy.reply(res, 200, stored), next);
  });
  app.use((_req, _res, next) => {
    next(new HttpError(404, 'ERR_NOT_FOUND', 'PUT /upload/<key> or POST /form'));
  });
  // Four parameters: Express recognises an error handler by its arity.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    proxy.fail(res, error);
  });
  return { app, proxy };
}

if (isMain(import.meta.filename)) {
  const { app, proxy } = createExpressProxy({
    client: clientFromEnv(),
    upload: uploadOptionsFromEnv(),
  });
  const server = app.listen(Number(process.argv[2] ?? 8080), '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    console.log(`Proxy on http://127.0.0.1:${port}`);
  });
  allowLongUploads(server);
  stopOnSignals(proxy, server);
}
