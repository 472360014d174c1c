import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import got, { type Response } from 'got';
import { OssAbortError, OssNetworkError, OssTimeoutError, OssXmlError } from '../errors.ts';
import type { RequestTarget } from './endpoint.ts';
import { parseErrorResponse } from './response.ts';
import type { RequestBody } from './types.ts';
import { MAX_XML_BYTES } from './xml.ts';

export interface HttpRequest {
  operation: string;
  method: string;
  target: RequestTarget;
  headers: Record<string, string>;
  body?: RequestBody | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  /** Called with the number of body bytes handed to the socket so far (for progress). */
  onUploadProgress?: ((bytesSent: number) => void) | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export function bodyLength(body: RequestBody | undefined): number {
  if (body === undefined) return 0;
  if (Buffer.isBuffer(body)) return body.length;
  let total = 0;
  for (const chunk of body as readonly Buffer[]) total += chunk.length;
  return total;
}

/** Keep-alive agents owned by one client, so close() can release every socket. */
export class Agents {
  readonly http = new http.Agent({ keepAlive: true, maxSockets: 256 });
  readonly https = new https.Agent({ keepAlive: true, maxSockets: 256 });

  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * got sends a Buffer body in awaited 64 KiB writes (measured 3-4x slower than node:http for
 * 8 MiB parts); a Readable body with an explicit content-length is written in large chunks.
 */
function toReadable(body: RequestBody): Readable {
  return Readable.from(Buffer.isBuffer(body) ? [body] : body, { objectMode: false });
}

/**
 * WHATWG URL removes `.` and `..` segments even when percent-encoded, which would send a
 * different key than the one signed. node:http takes an explicit `path`, so the request
 * function puts the raw path back after got has parsed the URL.
 */
function requestWithRawPath(path: string) {
  return (
    url: URL,
    options: http.RequestOptions,
    callback?: (res: http.IncomingMessage) => void,
  ) => {
    const transport = url.protocol === 'https:' ? https : http;
    return transport.request(url, { ...options, path }, callback);
  };
}

/**
 * What every request shares: our agents, the raw path, no got retries (retry.ts decides), no
 * redirects or decompression, HTTP errors as values, and an inactivity timeout.
 */
function transportOptions(agents: Agents, request: HttpRequest) {
  return {
    agent: { http: agents.http, https: agents.https },
    request: requestWithRawPath(request.target.path) as never,
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    decompress: false,
    timeout: { connect: Math.min(15_000, request.timeoutMs), socket: request.timeoutMs },
  };
}

/** Map a got failure to our error types, dropping got's request options (they hold the token). */
function wrapFailure(error: unknown, request: HttpRequest): Error {
  if (request.signal?.aborted) {
    const reason = request.signal.reason;
    return reason instanceof Error ? reason : new OssAbortError();
  }
  const err = error as Error & { code?: string; name?: string; cause?: unknown };
  if (err.name === 'TimeoutError' || err.code === 'ETIMEDOUT') {
    return new OssTimeoutError(request.operation, request.timeoutMs);
  }
  const cause = err.cause instanceof Error ? (err.cause as Error & { code?: string }) : err;
  const plain = Object.assign(new Error(cause.message), { code: cause.code ?? err.code });
  return new OssNetworkError(request.operation, plain);
}

function normaliseHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const MAX_BUFFERED_BODY = MAX_XML_BYTES;

/** One attempt: sends the request, buffers a (small) response body, throws on non-2xx. */
export async function sendOnce(agents: Agents, request: HttpRequest): Promise<HttpResponse> {
  const { body } = request;
  const headers = { ...request.headers };
  if (body !== undefined) headers['content-length'] = String(bodyLength(body));
  let response: Response<Uint8Array>;
  const tooLarge = new AbortController();
  try {
    const pending = got(`${request.target.origin}/`, {
      method: request.method as 'GET',
      headers,
      body: body === undefined ? undefined : toReadable(body),
      signal: request.signal ? AbortSignal.any([request.signal, tooLarge.signal]) : tooLarge.signal,
      ...transportOptions(agents, request),
      responseType: 'buffer',
    });
    // Never buffer more than the limit: a hostile or broken server could send without end.
    pending.on('downloadProgress', (progress) => {
      if (progress.transferred > MAX_BUFFERED_BODY) tooLarge.abort();
    });
    if (request.onUploadProgress) {
      const report = request.onUploadProgress;
      pending.on('uploadProgress', (progress) => report(progress.transferred));
    }
    response = await pending;
  } catch (error) {
    if (tooLarge.signal.aborted && !request.signal?.aborted) {
      throw new OssXmlError(
        `${request.operation}: response body exceeds the limit of ${MAX_BUFFERED_BODY} bytes`,
      );
    }
    throw wrapFailure(error, request);
  }
  if (response.body.length > MAX_BUFFERED_BODY) {
    throw new OssXmlError(
      `${request.operation}: response body exceeds the limit of ${MAX_BUFFERED_BODY} bytes`,
    );
  }
  const result: HttpResponse = {
    status: response.statusCode,
    headers: normaliseHeaders(response.headers),
    body: Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength),
  };
  if (result.status < 200 || result.status >= 300) {
    throw parseErrorResponse(request.operation, request.method, result);
  }
  return result;
}

/** One attempt that returns the response body as a stream (GetObject). */
export function openStream(
  agents: Agents,
  request: HttpRequest,
): Promise<{ status: number; headers: Record<string, string | undefined>; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const stream = got.stream(`${request.target.origin}/`, {
      method: request.method as 'GET',
      headers: request.headers,
      signal: request.signal,
      ...transportOptions(agents, request),
    });
    let settled = false;
    stream.once('error', (error) => {
      if (settled) return;
      settled = true;
      reject(wrapFailure(error, request));
    });
    stream.once('response', (res: http.IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const headers = normaliseHeaders(res.headers);
      if (status >= 200 && status < 300) {
        settled = true;
        resolve({ status, headers, stream: stream as unknown as Readable });
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('end', () => {
        settled = true;
        reject(
          parseErrorResponse(request.operation, request.method, {
            status,
            headers,
            body: Buffer.concat(chunks),
          }),
        );
      });
    });
  });
}
