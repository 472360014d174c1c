/**
 * Server-side proxying: clients upload to this server, which streams each body straight into
 * OSS with the library: never holding more than (concurrency + 1) × partSize per upload.
 *
 *   PUT  /upload/<key>   the raw request body becomes the object <key>
 *   POST /form           multipart/form-data: the first file field becomes the object named
 *                        by a preceding `key` field, or by the file's name
 *
 * Both answer 200 with JSON { key, size, etag, crc64 }. A client that disconnects before its
 * body ends gets its upload aborted on the server: nothing is left behind.
 *
 * Run: OSS_ENDPOINT=... OSS_REGION=... OSS_BUCKET=... OSS_ACCESS_KEY_ID=... \
 *      OSS_ACCESS_KEY_SECRET=... node examples/proxy-server.ts [port]
 *      curl -T big.iso http://127.0.0.1:8080/upload/isos/big.iso
 *      curl -F key=docs/report.pdf -F file=@report.pdf http://127.0.0.1:8080/form
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { connectionFrom, credentialsFromEnv } from '../lib/cli/env-credentials.ts';
import { causeChain } from '../lib/cli/exit-codes.ts';
import { pipeUpload } from '../lib/cli/transfer.ts';
import {
  OssClient,
  OssKeyError,
  OssOptionError,
  type UploadOptions,
  type UploadResult,
  type UploadStream,
} from '../lib/index.ts';

export interface ProxyOptions {
  client: OssClient;
  /** Options for every upload (partSize, concurrency, ...); length and type come per request. */
  upload?: Omit<UploadOptions, 'contentLength' | 'contentType' | 'signal'>;
  /** Prepended to every object key; default ''. */
  keyPrefix?: string;
  /** Told about each upload stream as it starts (metrics; the tests read maxBufferedBytes). */
  onUpload?: (stream: UploadStream) => void;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function createProxyServer(options: ProxyOptions): Server {
  const { client, keyPrefix = '' } = options;

  /** Stream `body` into `key`; resolves once the object exists. */
  async function store(
    req: IncomingMessage,
    body: Readable,
    key: string,
    extra: Pick<UploadOptions, 'contentLength' | 'contentType'>,
  ): Promise<UploadResult> {
    const upload = client.createUploadStream(keyPrefix + key, { ...options.upload, ...extra });
    options.onUpload?.(upload);
    // A client gone before its body ended must not leave an upload behind: fail the stream,
    // which cancels its parts and sends AbortMultipartUpload. (pipeline would notice too,
    // but only through the body stream; this covers every parser in between.)
    const onClose = () => {
      if (!req.complete) upload.destroy(new Error('the client disconnected mid-upload'));
    };
    req.once('close', onClose);
    try {
      // Resolves once the object exists; fails once the upload is aborted on the server.
      return await pipeUpload(body, [], upload);
    } finally {
      req.off('close', onClose);
    }
  }

  async function putRaw(req: IncomingMessage, key: string): Promise<UploadResult> {
    const length = req.headers['content-length'];
    return store(req, req, key, {
      // With a length, the library sizes parts for it and fails a body that is cut short.
      contentLength: length === undefined ? undefined : Number(length),
      contentType: req.headers['content-type'],
    });
  }

  async function postForm(req: IncomingMessage): Promise<UploadResult> {
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch (error) {
      throw new HttpError(400, (error as Error).message); // not multipart/form-data
    }
    let key: string | undefined;
    form.on('field', (name, value) => {
      if (name === 'key') key = value;
    });
    // Wrapped in an object so the race below settles when the file starts, not when it ends.
    const fileFound = new Promise<{ stored: Promise<UploadResult> }>((resolve) => {
      form.once('file', (_field, file, info) => {
        resolve({
          stored: store(req, file, key ?? info.filename ?? '', { contentType: info.mimeType }),
        });
      });
    });
    // pipeline destroys the parser if the request fails, and the parser then fails the file.
    const parsed = pipeline(req, form).then(
      () => undefined,
      (error: Error) => {
        throw new HttpError(400, `bad form: ${error.message}`);
      },
    );
    parsed.catch(() => undefined); // once a file is found, its upload tells what happened
    const found = await Promise.race([fileFound, parsed]);
    if (!found) throw new HttpError(400, 'the form has no file field');
    return found.stored;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://proxy');
    let result: UploadResult;
    if (req.method === 'PUT' && pathname.startsWith('/upload/')) {
      result = await putRaw(req, decodeURIComponent(pathname.slice('/upload/'.length)));
    } else if (req.method === 'POST' && pathname === '/form') {
      result = await postForm(req);
    } else {
      throw new HttpError(404, 'PUT /upload/<key> or POST /form');
    }
    const { key, size, etag, crc64 } = result;
    reply(res, 200, { key, size, etag, crc64 });
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: Error & { code?: string }) => {
      if (req.destroyed && !req.complete) return; // nobody is listening any more
      const status =
        error instanceof HttpError
          ? error.status
          : hasCause(error, OssKeyError) || hasCause(error, OssOptionError)
            ? 400
            : 502;
      // The body may be half read: close the connection rather than drain it.
      res.setHeader('connection', 'close');
      reply(res, status, { error: error.code ?? 'ERR_PROXY', message: error.message });
    });
  });
}

function hasCause(error: unknown, type: new (...args: never[]) => Error): boolean {
  return [...causeChain(error)].some((e) => e instanceof type);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

if (import.meta.main) {
  const env = process.env;
  const connection = connectionFrom({}, env);
  const bucket = env.OSS_BUCKET;
  if (!bucket) throw new Error('set OSS_BUCKET');
  const client = new OssClient({
    endpoint: connection.endpoint,
    region: connection.region,
    bucket,
    credentials: credentialsFromEnv(env).credentials,
  });
  const server = createProxyServer({ client });
  server.listen(Number(process.argv[2] ?? 8080), '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    console.log(`Proxy on http://127.0.0.1:${port} → oss://${bucket}/`);
  });
}
