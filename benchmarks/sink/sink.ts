/**
 * A neutral benchmark sink that speaks both the OSS and the S3 multipart dialects.
 *
 * It is a sink, not a store: request bodies are drained and counted, never hashed or kept, and
 * signatures are not verified. It is the same server for every contender, so a client that
 * sends more requests, more headers or a slower body pays for it, and nobody gets a head start
 * from the server. What it answers:
 *
 * - InitiateMultipartUpload / CreateMultipartUpload (`POST ?uploads`): an upload id.
 * - UploadPart (`PUT ?partNumber&uploadId`) and PutObject (`PUT`): the ETag echoes the
 *   request's Content-MD5 as quoted uppercase hex, or a made-up constant without one. No CRC
 *   header is sent, so clients that check CRC-64 against the server skip that check.
 * - CompleteMultipartUpload (`POST ?uploadId`): well-formed XML; the object's size is the sum of
 *   the parts the client listed (an unknown part is an InvalidPart error).
 * - AbortMultipartUpload (`DELETE ?uploadId`), DeleteObject, HeadObject, ListParts.
 *
 * The dialect is taken from the request: an AWS4 Authorization header or any `x-amz-*` header
 * means S3, anything else OSS. The bucket comes from the path (path style, or an IP/localhost
 * Host) or from the first label of the Host (virtual-hosted style, as ali-oss sends it).
 *
 * Beside it runs the control port of control.ts, so the harness can check that every byte
 * arrived. benchmarks/sink-server.ts runs it as a child process of the harness; specs start it
 * in their own process with `startSink()`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { closeServer, listen, type RunningServer, startControl } from './control.ts';
import { type Dialect, dialectOf, escapeXml, locate, S3_NS, xml } from './dialect.ts';

/** The ETag of a part or object sent without Content-MD5. */
export const SINK_CONSTANT_ETAG = '"5EB63BBBE01EEED093CB22BB8F5ACDC3"';
export const SINK_CREDENTIALS = {
  accessKeyId: 'LTAIbenchmarkSinkKey0000',
  accessKeySecret: 'benchmark-sink-secret-not-checked',
};
export const SINK_REGION = 'cn-hangzhou';

/** Complete and ListParts bodies are small XML; anything larger is refused. */
const MAX_XML_BYTES = 4 * 1024 * 1024;
/** Bounds on what the sink remembers, so a long run cannot grow it without limit. */
const MAX_OPEN_UPLOADS = 10_000;
const MAX_OBJECTS = 10_000;

interface StoredPart {
  size: number;
  etag: string;
}

interface Upload {
  bucket: string;
  key: string;
  parts: Map<number, StoredPart>;
}

export interface SinkObject {
  size: number;
  etag: string;
  partCount: number;
}

export interface SinkCounters {
  requests: number;
  bodyBytes: number;
  initiated: number;
  parts: number;
  completed: number;
  aborted: number;
  puts: number;
  errors: number;
  /** Requests per dialect. */
  oss: number;
  s3: number;
}

export interface SinkState {
  uploads: Map<string, Upload>;
  objects: Map<string, SinkObject>;
  counters: SinkCounters;
}

function newState(): SinkState {
  return {
    uploads: new Map(),
    objects: new Map(),
    counters: {
      requests: 0,
      bodyBytes: 0,
      initiated: 0,
      parts: 0,
      completed: 0,
      aborted: 0,
      puts: 0,
      errors: 0,
      oss: 0,
      s3: 0,
    },
  };
}

function md5Etag(req: http.IncomingMessage): string {
  const md5 = req.headers['content-md5'];
  if (typeof md5 !== 'string' || md5 === '') return SINK_CONSTANT_ETAG;
  const raw = Buffer.from(md5, 'base64');
  if (raw.length !== 16) return SINK_CONSTANT_ETAG;
  return `"${raw.toString('hex').toUpperCase()}"`;
}

function requestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

/** Drain a body, counting its bytes; resolves with the count once the request has ended. */
function drainBody(req: http.IncomingMessage, state: SinkState): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.once('end', () => {
      state.counters.bodyBytes += bytes;
      resolve(bytes);
    });
    req.once('error', reject);
  });
}

/** Read a small (XML) body; a larger one is drained and refused. */
function readSmallBody(req: http.IncomingMessage, state: SinkState): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_XML_BYTES) chunks.push(chunk);
    });
    req.once('end', () => {
      state.counters.bodyBytes += size;
      resolve(size > MAX_XML_BYTES ? undefined : Buffer.concat(chunks));
    });
    req.once('error', reject);
  });
}

/** The decoded length of an aws-chunked body (its framing is not object data). */
function objectBytes(req: http.IncomingMessage, wireBytes: number): number {
  const decoded = req.headers['x-amz-decoded-content-length'];
  return typeof decoded === 'string' && /^\d+$/.test(decoded) ? Number(decoded) : wireBytes;
}

function send(
  res: http.ServerResponse,
  dialect: Dialect,
  status: number,
  headers: Record<string, string>,
  body = '',
): void {
  const id = requestId();
  const common: Record<string, string> =
    dialect === 's3' ? { 'x-amz-request-id': id } : { 'x-oss-request-id': id, server: 'AliyunOSS' };
  const payload = Buffer.from(body);
  res.writeHead(status, {
    ...common,
    ...(body === '' ? {} : { 'content-type': 'application/xml' }),
    'content-length': String(payload.length),
    date: new Date().toUTCString(),
    ...headers,
  });
  res.end(payload);
}

function sendError(
  res: http.ServerResponse,
  dialect: Dialect,
  state: SinkState,
  status: number,
  code: string,
  message: string,
): void {
  state.counters.errors++;
  send(res, dialect, status, {}, xml(dialect, 'Error', { Code: code, Message: message }));
}

function objectId(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

function remember(state: SinkState, bucket: string, key: string, object: SinkObject): void {
  const id = objectId(bucket, key);
  state.objects.delete(id);
  if (state.objects.size >= MAX_OBJECTS) {
    const oldest = state.objects.keys().next().value;
    if (oldest !== undefined) state.objects.delete(oldest);
  }
  state.objects.set(id, object);
}

/** Answer one data-plane request. Exported for tests; the server calls it for every request. */
export async function handleSinkRequest(
  state: SinkState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  state.counters.requests++;
  const dialect = dialectOf(req);
  state.counters[dialect]++;
  const url = new URL(req.url ?? '/', 'http://sink');
  const q = url.searchParams;
  const { bucket, key } = locate(req, url);
  const method = req.method ?? 'GET';
  const uploadId = q.get('uploadId');

  if (method === 'POST' && q.has('uploads')) {
    await drainBody(req, state);
    if (state.uploads.size >= MAX_OPEN_UPLOADS) {
      return sendError(res, dialect, state, 503, 'SlowDown', 'too many open uploads');
    }
    const id = requestId();
    state.uploads.set(id, { bucket, key, parts: new Map() });
    state.counters.initiated++;
    return send(
      res,
      dialect,
      200,
      {},
      xml(dialect, 'InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: id }),
    );
  }

  if (method === 'PUT' && uploadId !== null && q.has('partNumber')) {
    const wire = await drainBody(req, state);
    const upload = state.uploads.get(uploadId);
    if (!upload) return sendError(res, dialect, state, 404, 'NoSuchUpload', 'unknown upload id');
    const partNumber = Number(q.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      return sendError(res, dialect, state, 400, 'InvalidArgument', 'bad partNumber');
    }
    const etag = md5Etag(req);
    upload.parts.set(partNumber, { size: objectBytes(req, wire), etag });
    state.counters.parts++;
    return send(res, dialect, 200, { etag });
  }

  if (method === 'POST' && uploadId !== null) {
    const body = await readSmallBody(req, state);
    const upload = state.uploads.get(uploadId);
    if (!upload) return sendError(res, dialect, state, 404, 'NoSuchUpload', 'unknown upload id');
    if (body === undefined) {
      return sendError(res, dialect, state, 400, 'MalformedXML', 'Complete body too large');
    }
    const numbers = [...body.toString('utf8').matchAll(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/g)];
    let size = 0;
    for (const match of numbers) {
      const part = upload.parts.get(Number(match[1]));
      if (!part) return sendError(res, dialect, state, 400, 'InvalidPart', `part ${match[1]}`);
      size += part.size;
    }
    if (numbers.length === 0) {
      return sendError(res, dialect, state, 400, 'MalformedXML', 'no parts listed');
    }
    state.uploads.delete(uploadId);
    const etag = `"${randomBytes(16).toString('hex').toUpperCase()}-${numbers.length}"`;
    remember(state, upload.bucket, upload.key, { size, etag, partCount: numbers.length });
    state.counters.completed++;
    const urlEncoded = q.get('encoding-type') === 'url';
    const fields: Record<string, string> = {};
    if (urlEncoded) fields.EncodingType = 'url';
    const shownKey = urlEncoded ? encodeURIComponent(upload.key) : upload.key;
    fields.Location = `http://${req.headers.host ?? 'sink'}/${upload.bucket}/${shownKey}`;
    fields.Bucket = upload.bucket;
    fields.Key = shownKey;
    fields.ETag = etag;
    return send(res, dialect, 200, { etag }, xml(dialect, 'CompleteMultipartUploadResult', fields));
  }

  if (method === 'DELETE' && uploadId !== null) {
    await drainBody(req, state);
    if (!state.uploads.delete(uploadId)) {
      return sendError(res, dialect, state, 404, 'NoSuchUpload', 'unknown upload id');
    }
    state.counters.aborted++;
    return send(res, dialect, 204, {});
  }

  if (method === 'GET' && uploadId !== null) {
    await drainBody(req, state);
    const upload = state.uploads.get(uploadId);
    if (!upload) return sendError(res, dialect, state, 404, 'NoSuchUpload', 'unknown upload id');
    const parts = [...upload.parts.entries()].sort((a, b) => a[0] - b[0]);
    const ns = dialect === 's3' ? S3_NS : '';
    const partXml = parts
      .map(
        ([n, p]) =>
          `<Part><PartNumber>${n}</PartNumber><ETag>${escapeXml(p.etag)}</ETag><Size>${p.size}</Size></Part>`,
      )
      .join('');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult${ns}>` +
      `<Bucket>${escapeXml(upload.bucket)}</Bucket><Key>${escapeXml(upload.key)}</Key>` +
      `<UploadId>${escapeXml(uploadId)}</UploadId><PartNumberMarker>0</PartNumberMarker>` +
      `<NextPartNumberMarker>${parts.at(-1)?.[0] ?? 0}</NextPartNumberMarker>` +
      `<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${partXml}</ListPartsResult>`;
    return send(res, dialect, 200, {}, body);
  }

  if (method === 'PUT' && key !== '') {
    const wire = await drainBody(req, state);
    const etag = md5Etag(req);
    remember(state, bucket, key, { size: objectBytes(req, wire), etag, partCount: 1 });
    state.counters.puts++;
    return send(res, dialect, 200, { etag });
  }

  if (method === 'HEAD' && key !== '') {
    await drainBody(req, state);
    const object = state.objects.get(objectId(bucket, key));
    if (!object) {
      state.counters.errors++;
      res.writeHead(404, { 'content-length': '0' });
      res.end();
      return;
    }
    const type = object.partCount > 1 ? 'Multipart' : 'Normal';
    res.writeHead(200, {
      'content-length': String(object.size),
      etag: object.etag,
      [dialect === 's3' ? 'x-amz-request-id' : 'x-oss-request-id']: requestId(),
      ...(dialect === 'oss' ? { 'x-oss-object-type': type } : {}),
    });
    res.end();
    return;
  }

  if (method === 'DELETE' && key !== '') {
    await drainBody(req, state);
    state.objects.delete(objectId(bucket, key));
    return send(res, dialect, 204, {});
  }

  await drainBody(req, state);
  return sendError(
    res,
    dialect,
    state,
    501,
    'NotImplemented',
    `the benchmark sink does not implement ${method} ${url.pathname}${url.search}`,
  );
}

/** The sink, in this process (the harness runs it as a child; tests may run it inline). */
export async function startSink(): Promise<RunningServer & { state: SinkState }> {
  const state = newState();
  const server = http.createServer(
    { requestTimeout: 0, keepAliveTimeout: 60_000, headersTimeout: 60_000 },
    (req, res) => {
      handleSinkRequest(state, req, res).catch(() => res.destroy());
    },
  );
  const endpoint = await listen(server);
  const control = await startControl(
    () => ({ ...state.counters, openUploads: state.uploads.size }),
    (bucket, key) => state.objects.get(objectId(bucket, key)),
  );
  return {
    endpoint,
    control: control.url,
    state,
    async close() {
      await Promise.all([closeServer(server), closeServer(control.server)]);
    },
  };
}
