import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './auth.ts';
import { bufferedBody, drain, requestBody } from './body.ts';
import type { Env, RequestContext } from './context.ts';
import { EmulatorError, internalError } from './errors.ts';
import { checkBucketName, checkObjectKey } from './names.ts';
import { putBucket } from './operations/bucket.ts';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './operations/multipart.ts';
import { deleteObject, getObject, headObject, putObject } from './operations/objects.ts';
import { sendError, sendFake, waitUnlessGone } from './respond.ts';
import { routeOf } from './route.ts';
import { lowerCaseHeaders, parseTarget } from './target.ts';
import type { OperationName } from './types.ts';

const HANDLERS: Record<OperationName, (ctx: RequestContext) => Promise<void>> = {
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  PutObject: putObject,
  HeadObject: headObject,
  GetObject: getObject,
  DeleteObject: deleteObject,
  PutBucket: putBucket,
};

const BUCKET_LEVEL = new Set<OperationName>(['PutBucket', 'ListMultipartUploads']);

/** 24 uppercase hex characters, like real request ids. */
export function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

/**
 * Faults that act before the operation. Returns true when the request is finished (answered
 * or cut); `stall` swaps in the buffered body and lets the operation run afterwards.
 */
async function applyEntryFault(ctx: RequestContext): Promise<boolean> {
  const fault = ctx.fault;
  if (!fault) return false;
  switch (fault.kind) {
    case 'error':
      await drain(ctx.body);
      fault.onFire?.();
      sendError(
        ctx,
        new EmulatorError(fault.status, fault.code, fault.message ?? 'Injected fault.', {
          ec: fault.ec,
        }),
      );
      return true;
    case 'reset': {
      const length = Number(ctx.headers['content-length']);
      const afterBytes = fault.afterBytes ?? (Number.isFinite(length) ? Math.floor(length / 2) : 0);
      if (afterBytes > 0) {
        let received = 0;
        for await (const chunk of ctx.body.chunks()) {
          received += chunk.length;
          if (received >= afterBytes) break;
        }
      }
      fault.onFire?.();
      ctx.serverClosed = true;
      ctx.req.socket.destroy();
      return true;
    }
    case 'stall': {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.body.chunks()) chunks.push(chunk);
      fault.onFire?.();
      if (await waitUnlessGone(ctx.req.socket, fault.ms)) return true;
      ctx.body = bufferedBody(chunks);
      return false;
    }
    case 'fake-response':
      // With execute, the operation runs and the answer is replaced when it is sent.
      if (fault.execute) return false;
      await drain(ctx.body);
      sendFake(ctx, fault);
      fault.onFire?.();
      return true;
    case 'wrong-etag':
    case 'wrong-crc':
      fault.onFire?.();
      return false;
    default:
      return false;
  }
}

/** A lenient part number for fault matching; the operation validates it properly. */
function partNumberHint(query: Record<string, string>): number | undefined {
  const raw = query['partNumber'];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

export async function handleRequest(
  env: Env,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { stats } = env;
  stats.requestStarted();
  const ctx: RequestContext = {
    env,
    req,
    res,
    requestId: newRequestId(),
    method: (req.method ?? 'GET').toUpperCase(),
    target: {
      bucket: undefined,
      key: '',
      keyBytes: 0,
      keyRaw: Buffer.alloc(0),
      query: {},
      queryRaw: [],
      virtualHosted: false,
      host: '',
    },
    headers: {},
    query: {},
    operation: undefined,
    bucket: '',
    key: '',
    partNumber: undefined,
    body: requestBody(req, (n) => {
      stats.bytesReceived += n;
    }),
    fault: undefined,
    serverClosed: false,
  };
  res.once('close', () => {
    stats.requestEnded();
    if (ctx.operation) stats.operationEnded(ctx.operation);
    if (!res.writableEnded && !ctx.serverClosed) stats.clientAborts += 1;
  });

  try {
    ctx.target = parseTarget(req, env.baseHost);
    ctx.headers = lowerCaseHeaders(req);
    ctx.query = ctx.target.query;
    const operation = routeOf(ctx.method, ctx.target, ctx.headers);
    ctx.operation = operation;
    stats.operationStarted(operation);
    ctx.bucket = ctx.target.bucket ?? '';
    ctx.key = ctx.target.key ?? '';
    ctx.partNumber = partNumberHint(ctx.query);

    checkBucketName(ctx.bucket);
    if (operation !== 'PutBucket') env.world.bucket(ctx.bucket);
    // Before authentication: a key that is not UTF-8 cannot have been signed at all.
    if (!BUCKET_LEVEL.has(operation)) checkObjectKey(ctx.target.key, ctx.target.keyBytes);
    authenticate(
      {
        method: ctx.method,
        bucket: ctx.target.bucket,
        keyBytes: ctx.target.keyRaw,
        query: ctx.target.queryRaw,
        headers: ctx.headers,
      },
      env.auth,
    );

    // Faults apply only to requests that would otherwise be executed.
    ctx.fault = env.faults.take(operation, ctx.partNumber);
    if (await applyEntryFault(ctx)) return;
    await HANDLERS[operation](ctx);
  } catch (err) {
    const failure = err instanceof EmulatorError ? err : internalError();
    if (!(err instanceof EmulatorError) && process.env['OSS_EMULATOR_DEBUG']) console.error(err);
    if (res.headersSent || req.socket.destroyed) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    if (!failure.closeConnection) {
      try {
        await drain(ctx.body);
      } catch {
        return; // the client went away while we drained
      }
    }
    sendError(ctx, failure);
  }
}
