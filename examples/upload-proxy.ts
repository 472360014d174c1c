/**
 * The framework-free half of the proxy examples: stream a request's body — raw, or the file field
 * of a multipart/form-data form — into OSS without buffering it, answer with what was stored or
 * with a status that says whose fault a failure was, and shut down cleanly. proxy-server.ts
 * (node:http) and express-proxy.ts (Express) are thin servers around it; copy it with either.
 *
 *   npm install oss-multipart-stream busboy        (and @types/busboy for TypeScript)
 *
 * (oss-multipart-stream is not on the npm registry yet: install the tarball that `npm pack`
 * writes in a clone of its repository, as its README's Install section says.)
 * Node >= 22.18 runs this file as it is (Node 22.6-22.17: add --experimental-strip-types). It
 * uses only the package's public API.
 */
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import {
  OssClient,
  OssKeyError,
  OssOptionError,
  type UploadOptions,
  type UploadStream,
} from 'oss-multipart-stream';

export interface UploadProxyOptions {
  client: OssClient;
  /** Options for every upload (partSize, concurrency, ...); length and type come per request. */
  upload?: Omit<UploadOptions, 'contentLength' | 'contentType' | 'signal'>;
  /** Prepended to every object key; default ''. */
  keyPrefix?: string;
  /** Told about each upload stream as it starts (metrics, tests). */
  onUpload?: (stream: UploadStream) => void;
}

/** What a successful upload answers. */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  crc64: string | undefined;
}

/** A failure with the HTTP status that tells the client what went wrong. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `finish`: uploads in flight complete. `abort`: they are aborted on OSS at once. */
export type StopMode = 'finish' | 'abort';

const FORM_LIMITS = { files: 1, fields: 20, fieldSize: 4096, parts: 32 };

export class UploadProxy {
  readonly client: OssClient;
  readonly #options: UploadProxyOptions;
  #stopping: Promise<void> | undefined;

  constructor(options: UploadProxyOptions) {
    this.client = options.client;
    this.#options = options;
  }

  /** True once stop() was called: new requests are answered 503. */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** The raw request body becomes the object `key` (Content-Length and Content-Type kept). */
  storeBody(req: IncomingMessage, res: ServerResponse, key: string): Promise<StoredObject> {
    const length = req.headers['content-length'];
    return this.#store(res, req, key, {
      // With a length, the library sizes the parts for it and fails a body that is cut short.
      contentLength: length === undefined ? undefined : Number(length),
      contentType: req.headers['content-type'],
    });
  }

  /**
   * The first file field of a multipart/form-data body becomes the object named by a `key`
   * field sent before it, or by the file's name. A body that is not a well-formed form —
   * unparsable, or ending before its closing boundary — is the client's fault: HttpError 400,
   * after the upload it had started was aborted on OSS.
   */
  async storeFormFile(req: IncomingMessage, res: ServerResponse): Promise<StoredObject> {
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: req.headers, limits: FORM_LIMITS });
    } catch (error) {
      throw new HttpError(400, 'ERR_BAD_FORM', (error as Error).message); // not a form at all
    }
    let formError: Error | undefined;
    const badForm = () => new HttpError(400, 'ERR_BAD_FORM', `bad form: ${formError?.message}`);
    let key: string | undefined;
    form.on('field', (name, value) => {
      if (name === 'key') key = value;
    });
    // Settles when the file starts (wrapped, so not when it ends), when the form ends without
    // one, or when the parser gives up on the body. Not `pipeline(req, form)`: that destroys the
    // request on a parse error, and then no answer can be sent on its connection.
    const found = new Promise<{ stored: Promise<StoredObject> } | undefined>((resolve, reject) => {
      form.once('file', (_field, file, info) => {
        const name = key ?? info.filename ?? '';
        resolve({ stored: this.#store(res, file, name, { contentType: info.mimeType }) });
      });
      form.once('close', () => resolve(undefined));
      // `on`, not `once`: the parser may report more than one error, and an unheard one throws.
      form.on('error', (error: Error) => {
        if (formError) return;
        formError = error;
        req.unpipe(form);
        reject(badForm());
      });
    });
    req.pipe(form);
    const file = await found;
    if (!file) throw new HttpError(400, 'ERR_BAD_FORM', 'the form has no file field');
    try {
      return await file.stored;
    } catch (error) {
      // A form cut short fails the file stream with the parser's own error: a bad request, not
      // an upstream failure. The parser has said so by the time the upload is cleaned up.
      throw formError ? badForm() : error;
    }
  }

  /** Answer a failed request, unless its client has gone. */
  fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const { status, code, message } = describeFailure(error, this.stopping);
    // The request body may be half read: close the connection rather than drain it.
    res.setHeader('connection', 'close');
    this.reply(res, status, { error: code, message });
  }

  reply(res: ServerResponse, status: number, body: unknown): void {
    if (this.stopping) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(body)}\n`);
  }

  /**
   * Stop accepting connections, then let the uploads in flight finish (`client.close()`) or
   * abort them on OSS (`client.destroy()`), answer their requests, and resolve once every
   * connection has closed. Calling it again returns the same promise.
   */
  stop(server: Server, mode: StopMode): Promise<void> {
    this.#stopping ??= (async () => {
      const closed = once(server, 'close');
      server.close();
      if (mode === 'abort') {
        await this.client.destroy(
          new HttpError(503, 'ERR_SHUTTING_DOWN', 'the server is stopping'),
        );
      } else {
        await this.client.close();
      }
      // Answers sent while stopping close their connections; what is left is idle.
      server.closeIdleConnections();
      await closed;
    })();
    return this.#stopping;
  }

  async #store(
    res: ServerResponse,
    body: Readable,
    key: string,
    extra: Pick<UploadOptions, 'contentLength' | 'contentType'>,
  ): Promise<StoredObject> {
    if (this.stopping) throw new HttpError(503, 'ERR_SHUTTING_DOWN', 'the server is stopping');
    const { keyPrefix = '', upload: uploadOptions, onUpload } = this.#options;
    const upload = this.client.createUploadStream(keyPrefix + key, {
      ...uploadOptions,
      ...extra,
    });
    onUpload?.(upload);
    // A client gone before its answer must not leave an upload behind: failing the stream
    // cancels its parts and aborts the upload on OSS. The response closes with the connection
    // whichever parser sits between the request and the upload.
    const onGone = () => {
      if (!res.writableEnded) upload.destroy(new Error('the client disconnected mid-upload'));
    };
    res.once('close', onGone);
    try {
      await pipeline(body, upload);
    } catch (error) {
      // pipeline reports the first error it saw, perhaps the body's; the stream's own error
      // says what became of the upload, and 'close' comes once it is cleaned up on OSS.
      if (!upload.closed) await once(upload, 'close');
      throw upload.uploadError ?? error;
    } finally {
      res.off('close', onGone);
    }
    const { key: stored, size, etag, crc64 } = upload.result!;
    return { key: stored, size, etag, crc64 };
  }
}

/** The status for a failure: 400 for what the client sent, 503 while stopping, else 502. */
export function describeFailure(
  error: unknown,
  stopping: boolean,
): { status: number; code: string; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const named = typeof code === 'string' ? code : 'ERR_PROXY';
  if (error instanceof HttpError) return { status: error.status, code: named, message };
  if (error instanceof URIError) return { status: 400, code: 'ERR_BAD_KEY', message };
  const causes = [...causeChain(error)];
  if (causes.some((e) => e instanceof OssKeyError || e instanceof OssOptionError)) {
    return { status: 400, code: named, message };
  }
  if (stopping) return { status: 503, code: 'ERR_SHUTTING_DOWN', message };
  return { status: 502, code: named, message };
}

function* causeChain(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e !== undefined && depth < 10; depth++) {
    yield e;
    e = (e as { cause?: unknown } | null)?.cause;
  }
}

/**
 * SIGTERM and SIGINT stop the server, aborting the uploads in flight on OSS; the process then
 * exits by itself once nothing is left to do. A second signal, or a shutdown still running after
 * `graceMs`, exits at once with status 1.
 */
export function stopOnSignals(proxy: UploadProxy, server: Server, graceMs = 30_000): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (proxy.stopping) process.exit(1);
    console.error(`${signal}: aborting uploads in flight and stopping`);
    setTimeout(() => {
      console.error(`still stopping after ${graceMs} ms: exiting`);
      process.exit(1);
    }, graceMs).unref();
    proxy.stop(server, 'abort').then(
      () => console.error('stopped'),
      (error: Error) => {
        console.error(`stopping failed: ${error.message}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Node's HTTP server fails a request not fully received within `requestTimeout` (5 minutes by
 * default). An upload that waits its turn for the memory budget can legitimately take longer;
 * lift that limit (the headers must still arrive within `headersTimeout`). A client that stalls
 * keeps the part it was filling reserved: put an idle timeout in front (a reverse proxy's) if
 * untrusted clients can reach this server.
 */
export function allowLongUploads(server: Server): Server {
  server.requestTimeout = 0;
  return server;
}

/** A client configured from the environment (the variable names of ossutil and the OSS SDKs). */
export function clientFromEnv(env: NodeJS.ProcessEnv = process.env): OssClient {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`set ${name}`);
    return value;
  };
  return new OssClient({
    endpoint: required('OSS_ENDPOINT'),
    bucket: required('OSS_BUCKET'),
    region: env.OSS_REGION || undefined,
    credentials: {
      accessKeyId: required('OSS_ACCESS_KEY_ID'),
      accessKeySecret: required('OSS_ACCESS_KEY_SECRET'),
      securityToken: env.OSS_SESSION_TOKEN || undefined,
    },
    memoryLimit: env.OSS_MEMORY_LIMIT ? Number(env.OSS_MEMORY_LIMIT) : undefined,
  });
}

/** Upload options from the environment: OSS_PART_SIZE and OSS_CONCURRENCY, when set. */
export function uploadOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): UploadProxyOptions['upload'] {
  return {
    partSize: env.OSS_PART_SIZE ? Number(env.OSS_PART_SIZE) : undefined,
    concurrency: env.OSS_CONCURRENCY ? Number(env.OSS_CONCURRENCY) : undefined,
  };
}

/** True when `filename` (pass `import.meta.filename`) is the program node was started with. */
export function isMain(filename: string): boolean {
  const started = process.argv[1];
  return started !== undefined && realpathSync(started) === filename;
}
