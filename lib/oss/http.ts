import http from 'node:http';
import https from 'node:https';
import { PassThrough, Readable } from 'node:stream';
import got, { type Response } from 'got';
import {
  OssAbortError,
  OssNetworkError,
  OssStreamError,
  OssTimeoutError,
  OssXmlError,
} from '../errors.ts';
import type { RequestTarget } from './endpoint.ts';
import type { Network } from './network.ts';
import { type HttpResponse, parseErrorResponse } from './response.ts';
import type { RequestBody } from './types.ts';
import { USER_AGENT } from './user-agent.ts';
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

export type { HttpResponse } from './response.ts';

export function bodyLength(body: RequestBody | undefined): number {
  if (body === undefined) return 0;
  if (Buffer.isBuffer(body)) return body.length;
  let total = 0;
  for (const chunk of body as readonly Buffer[]) total += chunk.length;
  return total;
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
 * Header values go out as their UTF-8 bytes, the bytes the signature covers. node:http writes
 * header strings as latin1, one byte per character, so a value is handed over as the latin1
 * string of its UTF-8 bytes; ASCII values are unchanged by this.
 */
function wireHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(headers)) {
    out[name] = !/[^\x00-\x7f]/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
  }
  return out;
}

/**
 * What every request shares: the agent for its origin, the raw path, no got retries (the
 * request path decides), no redirects or decompression, HTTP errors as values, and an
 * inactivity timeout.
 */
function transportOptions(network: Network, request: HttpRequest) {
  const agent = network.agentFor(request.target.origin);
  return {
    agent: { http: agent, https: agent as https.Agent },
    https: network.ca ? { certificateAuthority: network.ca } : {},
    request: requestWithRawPath(request.target.path) as never,
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    decompress: false,
    timeout: { connect: Math.min(15_000, request.timeoutMs), socket: request.timeoutMs },
  };
}

/**
 * The error a request cancelled through its signal rejects with: the reason the caller chose
 * when it is an Error of theirs or ours, else (a bare abort()) an OssAbortError.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof OssStreamError) return reason;
  if (reason instanceof Error && !(reason instanceof DOMException)) return reason;
  return new OssAbortError('The request was aborted');
}

/** Map a got failure to our error types, dropping got's request options (they hold the token). */
function wrapFailure(error: unknown, request: HttpRequest): Error {
  if (request.signal?.aborted) return abortReason(request.signal);
  const err = error as Error & { code?: string; name?: string; cause?: unknown };
  if (err.name === 'TimeoutError' || err.code === 'ETIMEDOUT') {
    return new OssTimeoutError(request.operation, request.timeoutMs);
  }
  const cause = err.cause instanceof Error ? (err.cause as Error & { code?: string }) : err;
  const plain = Object.assign(new Error(cause.message), { code: cause.code ?? err.code });
  return new OssNetworkError(request.operation, plain);
}

/** Response header bytes arrive as latin1 strings; UTF-8 values (metadata) are decoded. */
function decodeHeaderValue(value: string): string {
  if (!/[\x80-\xff]/.test(value)) return value;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? value : decoded;
}

function normaliseHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = text === undefined ? undefined : decodeHeaderValue(text);
  }
  return out;
}

const MAX_BUFFERED_BODY = MAX_XML_BYTES;

/** One attempt: sends the request, buffers a (small) response body, throws on non-2xx. */
export async function sendOnce(network: Network, request: HttpRequest): Promise<HttpResponse> {
  const { body } = request;
  const headers = wireHeaders(request.headers);
  if (body !== undefined) headers['content-length'] = String(bodyLength(body));
  let response: Response<Uint8Array>;
  const tooLarge = new AbortController();
  try {
    const pending = got(`${request.target.origin}/`, {
      method: request.method as 'GET',
      headers,
      body: body === undefined ? undefined : toReadable(body),
      signal: request.signal ? AbortSignal.any([request.signal, tooLarge.signal]) : tooLarge.signal,
      ...transportOptions(network, request),
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
  network: Network,
  request: HttpRequest,
): Promise<{ status: number; headers: Record<string, string | undefined>; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const stream = got.stream(`${request.target.origin}/`, {
      method: request.method as 'GET',
      headers: wireHeaders(request.headers),
      signal: request.signal,
      ...transportOptions(network, request),
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
        resolve({ status, headers, stream: ownBody(stream, request) });
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

/**
 * The body handed to the caller: got's stream errors carry its request options (headers with
 * the token), so the caller gets a plain stream that fails with our error types instead.
 */
function ownBody(source: Readable, request: HttpRequest): Readable {
  const body = new PassThrough();
  source.on('error', (error) => body.destroy(wrapFailure(error, request)));
  body.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(body);
  return body;
}
