import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { buildXml } from '../oss/xml.ts';
import { type RequestContext, serverNow } from './context.ts';
import type { EmulatorError } from './errors.ts';
import { corruptCrc, corruptEtag } from './faults.ts';
import type { FaultRule } from './types.ts';

/** Headers every OSS response carries: Server, Date and a request id. */
function commonHeaders(ctx: RequestContext): OutgoingHttpHeaders {
  return {
    server: 'AliyunOSS',
    date: serverNow(ctx.env).toUTCString(),
    'x-oss-request-id': ctx.requestId,
  };
}

/** Resolves true if the client went away before `ms` passed. */
export function waitUnlessGone(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      socket.off('close', onClose);
      resolve(false);
    }, ms);
    socket.once('close', onClose);
  });
}

type FakeResponse = Extract<FaultRule, { kind: 'fake-response' }>;

/** The fake-response fault: its status, headers and body instead of the real answer. */
export function sendFake(ctx: RequestContext, fake: FakeResponse): void {
  const body = fake.body === undefined ? undefined : Buffer.from(fake.body, 'utf8');
  ctx.res.writeHead(fake.status, {
    ...commonHeaders(ctx),
    ...(body ? { 'content-type': fake.contentType ?? 'application/xml' } : {}),
    'content-length': body?.length ?? 0,
    ...fake.headers,
  });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}

/**
 * Faults that act on the answer of an operation that was performed: drop it, replace it
 * (fake-response with execute), or hold it (delay-response, which sends it later through
 * `answer`). True when the fault took the answer over.
 */
function intercepted(ctx: RequestContext, answer: () => void): boolean {
  const fault = ctx.fault;
  switch (fault?.kind) {
    case 'drop-response':
      fault.onFire?.();
      ctx.serverClosed = true;
      ctx.req.socket.destroy();
      return true;
    case 'fake-response':
      ctx.fault = undefined;
      fault.onFire?.();
      sendFake(ctx, fault);
      return true;
    case 'delay-response':
      ctx.fault = undefined;
      fault.onFire?.();
      void waitUnlessGone(ctx.req.socket, fault.ms).then((gone) => {
        if (!gone) answer();
      });
      return true;
    default:
      return false;
  }
}

/** The ETag header value to send (quoted), honouring the wrong-etag fault. */
export function answerEtag(ctx: RequestContext, etag: string): string {
  return `"${ctx.fault?.kind === 'wrong-etag' ? corruptEtag(etag) : etag}"`;
}

/** Adds `x-oss-hash-crc64ecma` when known (or when the wrong-crc fault wants one). */
export function crcHeader(ctx: RequestContext, crc: bigint | undefined): OutgoingHttpHeaders {
  if (ctx.fault?.kind === 'wrong-crc') return { 'x-oss-hash-crc64ecma': corruptCrc(crc) };
  return crc === undefined ? {} : { 'x-oss-hash-crc64ecma': crc.toString() };
}

export function sendEmpty(
  ctx: RequestContext,
  status: number,
  headers: OutgoingHttpHeaders = {},
): void {
  if (intercepted(ctx, () => sendEmpty(ctx, status, headers))) return;
  ctx.res.writeHead(status, { ...commonHeaders(ctx), 'content-length': 0, ...headers });
  ctx.res.end();
}

/** 304 Not Modified: validators only, no body and no Content-Length. */
export function sendNotModified(ctx: RequestContext, headers: OutgoingHttpHeaders): void {
  if (intercepted(ctx, () => sendNotModified(ctx, headers))) return;
  ctx.res.writeHead(304, { ...commonHeaders(ctx), ...headers });
  ctx.res.end();
}

export function sendXml(
  ctx: RequestContext,
  status: number,
  document: Record<string, unknown>,
  headers: OutgoingHttpHeaders = {},
): void {
  if (intercepted(ctx, () => sendXml(ctx, status, document, headers))) return;
  const body = Buffer.from(buildXml(document), 'utf8');
  ctx.res.writeHead(status, {
    ...commonHeaders(ctx),
    'content-type': 'application/xml',
    'content-length': body.length,
    ...headers,
  });
  ctx.res.end(body);
}

/** Bytes written per uncork: fewer, larger socket writes (a GiB is 16 Ki chunks of 64 KiB). */
const WRITE_BATCH = 1024 * 1024;

/** Resolves once the response can take more data or has closed. */
function writable(res: RequestContext['res']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Stream a body with backpressure; a client that goes away just ends the stream (and its reads). */
export async function sendStream(
  ctx: RequestContext,
  status: number,
  headers: OutgoingHttpHeaders,
  source: AsyncIterable<Buffer>,
): Promise<void> {
  // Hold inline: the caller keeps the object's bytes only until this promise settles.
  const fault = ctx.fault;
  if (fault?.kind === 'delay-response') {
    ctx.fault = undefined;
    fault.onFire?.();
    if (await waitUnlessGone(ctx.req.socket, fault.ms)) return;
  }
  if (intercepted(ctx, () => undefined)) return;
  const { res } = ctx;
  res.writeHead(status, { ...commonHeaders(ctx), ...headers });
  if (ctx.method === 'HEAD') {
    res.end();
    return;
  }
  let batched = 0;
  res.cork();
  try {
    for await (const chunk of source) {
      if (res.destroyed) break; // leaving the loop stops the blob reads
      res.write(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) {
        batched = 0;
        res.uncork();
        if (res.writableNeedDrain) await writable(res);
        res.cork();
      }
    }
  } catch {
    res.destroy(); // a blob read failed mid-body: the client must not mistake this for the end
    return;
  } finally {
    res.uncork();
  }
  res.end();
}

/**
 * A complete HTTP response for a request Node's parser refused (no request object exists, so
 * no context): 400 with an OSS error body, then the connection closes.
 */
export function unparsableRequestResponse(requestId: string, date: Date, reason: string): Buffer {
  const xml = Buffer.from(
    buildXml({
      Error: {
        Code: 'InvalidRequest',
        Message: `The request could not be read as HTTP/1.1: ${reason}`,
        RequestId: requestId,
        HostId: '',
      },
    }),
    'utf8',
  );
  const head = [
    'HTTP/1.1 400 Bad Request',
    'Server: AliyunOSS',
    `Date: ${date.toUTCString()}`,
    `x-oss-request-id: ${requestId}`,
    'Content-Type: application/xml',
    `Content-Length: ${xml.length}`,
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), xml]);
}

/** The OSS error body; HEAD has no body, so the XML travels base64-encoded in `x-oss-err`. */
export function sendError(ctx: RequestContext, err: EmulatorError): void {
  if (intercepted(ctx, () => sendError(ctx, err))) return;
  const fields: Record<string, string> = {
    Code: err.code,
    Message: err.message,
    RequestId: ctx.requestId,
    HostId: ctx.target.host,
    ...err.extras,
  };
  if (err.ec) {
    fields['EC'] = err.ec;
    fields['RecommendDoc'] = `https://api.aliyun.com/troubleshoot?q=${err.ec}`;
  }
  const xml = Buffer.from(buildXml({ Error: fields }), 'utf8');
  const headers: OutgoingHttpHeaders = {
    ...commonHeaders(ctx),
    'content-type': 'application/xml',
  };
  if (err.ec) headers['x-oss-ec'] = err.ec;
  if (err.closeConnection) headers['connection'] = 'close';
  if (ctx.method === 'HEAD') {
    headers['x-oss-err'] = xml.toString('base64');
    headers['content-length'] = 0;
    ctx.res.writeHead(err.status, headers);
    ctx.res.end();
    return;
  }
  headers['content-length'] = xml.length;
  ctx.res.writeHead(err.status, headers);
  ctx.res.end(xml);
}
