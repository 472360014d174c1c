import type { OutgoingHttpHeaders } from 'node:http';
import { MAX_PUT_OBJECT_SIZE } from '../../limits.ts';
import { readSegments } from '../blob-store.ts';
import { drain } from '../body.ts';
import { evaluateConditions } from '../conditions.ts';
import { type RequestContext, serverNow } from '../context.ts';
import { fileAlreadyExists, invalidRange, noSuchKey } from '../errors.ts';
import { resolveRange } from '../range.ts';
import { answerEtag, crcHeader, sendEmpty, sendNotModified, sendStream } from '../respond.ts';
import type { StoredObject } from '../state.ts';
import {
  forbidOverwrite,
  metadataFrom,
  objectHeaders,
  receiveCheckedBody,
  requireObjectKey,
  sseHeaders,
} from './common.ts';

export async function putObject(ctx: RequestContext): Promise<void> {
  const key = requireObjectKey(ctx);
  const { world, store } = ctx.env;
  const bucket = world.bucket(ctx.bucket);
  const headers = metadataFrom(ctx.headers);
  const forbid = forbidOverwrite(ctx.headers);
  if (forbid && bucket.objects.has(key)) throw fileAlreadyExists('0026-00000002');
  const { blob, size, md5Hex, md5Base64, crc64 } = await receiveCheckedBody(ctx, {
    allowChunked: true,
    max: MAX_PUT_OBJECT_SIZE,
  });
  // Another writer may have created the object while this body was arriving.
  if (forbid && bucket.objects.has(key)) {
    store.release(blob);
    throw fileAlreadyExists('0026-00000002');
  }
  world.setObject(bucket, {
    key,
    segments: [blob],
    size,
    etag: md5Hex,
    crc64,
    type: 'Normal',
    headers,
    lastModified: serverNow(ctx.env),
    contentMd5: md5Base64,
  });
  sendEmpty(ctx, 200, {
    etag: answerEtag(ctx, md5Hex),
    'content-md5': md5Base64,
    ...crcHeader(ctx, crc64),
    ...sseHeaders(headers),
  });
}

async function lookup(ctx: RequestContext): Promise<StoredObject> {
  const key = requireObjectKey(ctx);
  const bucket = ctx.env.world.bucket(ctx.bucket);
  await drain(ctx.body);
  const object = bucket.objects.get(key);
  if (!object) throw noSuchKey(key);
  return object;
}

function describe(ctx: RequestContext, object: StoredObject): OutgoingHttpHeaders {
  return {
    ...objectHeaders(object),
    etag: answerEtag(ctx, object.etag),
    ...crcHeader(ctx, object.crc64),
  };
}

/** Applies If-Match and friends; true when the request was answered 304. */
function answeredNotModified(ctx: RequestContext, object: StoredObject): boolean {
  if (
    evaluateConditions(ctx.headers, { etag: object.etag, lastModified: object.lastModified }) ===
    'proceed'
  ) {
    return false;
  }
  sendNotModified(ctx, {
    etag: answerEtag(ctx, object.etag),
    'last-modified': object.lastModified.toUTCString(),
  });
  return true;
}

export async function headObject(ctx: RequestContext): Promise<void> {
  const object = await lookup(ctx);
  if (answeredNotModified(ctx, object)) return;
  sendEmpty(ctx, 200, { ...describe(ctx, object), 'content-length': object.size });
}

/** GET query parameters that override response headers (signed as V1 sub-resources). */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

export async function getObject(ctx: RequestContext): Promise<void> {
  const object = await lookup(ctx);
  if (answeredNotModified(ctx, object)) return;
  const { store } = ctx.env;
  const standard = ctx.headers['x-oss-range-behavior']?.toLowerCase() === 'standard';
  const range = resolveRange(ctx.headers['range'], object.size, standard);
  if (range.kind === 'unsatisfiable') throw invalidRange(ctx.headers['range'] ?? '');

  const headers = describe(ctx, object);
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = ctx.query[param];
    if (value !== undefined) headers[header] = value;
  }
  let start = 0;
  let end = object.size;
  let status = 200;
  if (range.kind === 'partial') {
    start = range.start;
    end = range.end + 1;
    status = 206;
    headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  }
  headers['content-length'] = end - start;

  // Hold the bytes until the download ends, even if the object is replaced meanwhile.
  const segments = [...object.segments];
  for (const blob of segments) store.retain(blob);
  try {
    await sendStream(ctx, status, headers, readSegments(store, segments, start, end));
  } finally {
    for (const blob of segments) store.release(blob);
  }
}

export async function deleteObject(ctx: RequestContext): Promise<void> {
  const key = requireObjectKey(ctx);
  const { world } = ctx.env;
  const bucket = world.bucket(ctx.bucket);
  await drain(ctx.body);
  world.deleteObject(bucket, key);
  sendEmpty(ctx, 204);
}
