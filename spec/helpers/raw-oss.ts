/**
 * A tiny signing HTTP client for emulator specs: node:http with an explicit path, so tests can
 * send exactly the (broken) request they mean to — wrong signatures, odd keys, missing headers.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { encodeKeyPath, signV1, signV4, uriEncode } from '../../lib/oss/signing/index.ts';
import type { Credentials, SignableRequest } from '../../lib/oss/signing/types.ts';
import { childOf, parseXml, textOf } from '../../lib/oss/xml.ts';
import type { Emulator } from '../../lib/testing/index.ts';

export interface RawRequest {
  method: string;
  bucket?: string | undefined;
  key?: string | undefined;
  /** Decoded query; encoded onto the wire by the helper. */
  query?: Record<string, string> | undefined;
  headers?: Record<string, string> | undefined;
  body?: Buffer | string | undefined;
  /** Default 'v4'; false sends no Authorization. */
  sign?: 'v1' | 'v4' | false | undefined;
  credentials?: Credentials | undefined;
  /** V4 scope region; default the emulator's. */
  region?: string | undefined;
  /** Signing time; default now. */
  now?: Date | undefined;
  /** Host `<bucket>.localhost:<port>` and path `/<key>` instead of path style. */
  virtualHosted?: boolean | undefined;
  /** Sign this request instead (e.g. another key) to break the signature on purpose. */
  signAs?: Partial<SignableRequest> | undefined;
  /** Edit headers after signing (e.g. drop Content-Length, tamper with the date). */
  afterSign?: ((headers: Record<string, string>) => void) | undefined;
  /** Send the body with chunked transfer encoding (no Content-Length). */
  chunked?: boolean | undefined;
  /** Replace the on-the-wire path and query entirely. */
  rawPath?: string | undefined;
  /** Write only this many body bytes and never finish the request (use with abortAfterMs). */
  partialBody?: number | undefined;
  /** Destroy the connection after this many ms; the promise rejects with code 'ETESTABORT'. */
  abortAfterMs?: number | undefined;
  /** Abort the request when this signal aborts (e.g. from a fault's onFire). */
  signal?: AbortSignal | undefined;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Fields of an `<Error>` body (or of the `x-oss-err` header on HEAD), if any. */
  error: Record<string, string> | undefined;
  /** The parsed XML body, if it was XML. */
  xml: ReturnType<typeof parseXml> | undefined;
}

function encodeQuery(query: Record<string, string>): string {
  const parts = Object.entries(query).map(([k, v]) =>
    v === '' ? uriEncode(k, false) : `${uriEncode(k, false)}=${uriEncode(v, false)}`,
  );
  return parts.length ? `?${parts.join('&')}` : '';
}

function errorFields(xml: ReturnType<typeof parseXml>): Record<string, string> | undefined {
  const node = childOf(xml, 'Error');
  if (!node) return undefined;
  const out: Record<string, string> = {};
  for (const name of Object.keys(node)) {
    const text = textOf(node, name);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

export async function ossRequest(emulator: Emulator, spec: RawRequest): Promise<RawResponse> {
  const url = new URL(emulator.endpoint);
  const bucket = spec.bucket ?? 'test-bucket';
  const key = spec.key ?? '';
  const query = spec.query ?? {};
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers ?? {}))
    headers[name.toLowerCase()] = value;
  if (body !== undefined && !spec.chunked) headers['content-length'] ??= String(body.length);

  const sign = spec.sign ?? 'v4';
  const creds = spec.credentials ?? emulator.credentials;
  if (sign) {
    const signable: SignableRequest = {
      method: spec.method,
      bucket,
      key,
      query: { ...query },
      headers: { ...headers },
      ...spec.signAs,
    };
    if (sign === 'v1') signV1(signable, creds, spec.now ?? new Date());
    else signV4(signable, creds, spec.now ?? new Date(), spec.region ?? emulator.region);
    for (const name of [
      'authorization',
      'x-oss-date',
      'date',
      'x-oss-content-sha256',
      'x-oss-security-token',
    ]) {
      const value = signable.headers[name];
      if (value !== undefined) headers[name] = value;
    }
  }
  spec.afterSign?.(headers);

  const path =
    spec.rawPath ??
    (spec.virtualHosted ? `/${encodeKeyPath(key)}` : `/${bucket}/${encodeKeyPath(key)}`) +
      encodeQuery(query);
  headers['host'] ??= spec.virtualHosted ? `${bucket}.localhost:${url.port}` : url.host;

  // Over TLS the emulator's authority is trusted; a virtual-hosted request names the bucket
  // host (SNI and certificate check) but connects to the emulator's address.
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const bucketHost = spec.virtualHosted ? `${bucket}.localhost` : undefined;
  const toEmulator: LookupFunction = (_name, options, callback) => {
    if (options.all) callback(null, [{ address: url.hostname, family: 4 }]);
    else callback(null, url.hostname, 4);
  };
  return await new Promise<RawResponse>((resolve, reject) => {
    const req = send(
      {
        host: bucketHost ?? url.hostname,
        port: url.port,
        method: spec.method,
        path,
        headers,
        agent: false,
        signal: spec.signal,
        ...(bucketHost ? { lookup: toEmulator } : {}),
        ...(secure ? { ca: emulator.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const data = Buffer.concat(chunks);
          let xml: ReturnType<typeof parseXml> | undefined;
          const errHeader = res.headers['x-oss-err'];
          const xmlSource = typeof errHeader === 'string' ? Buffer.from(errHeader, 'base64') : data;
          if (/xml/.test(String(res.headers['content-type'])) && xmlSource.length > 0) {
            xml = parseXml(xmlSource);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            xml,
            error: xml ? errorFields(xml) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    if (spec.abortAfterMs !== undefined) {
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error('aborted by the test'), { code: 'ETESTABORT' }));
      }, spec.abortAfterMs);
      req.on('close', () => clearTimeout(timer));
    }
    if (body !== undefined && spec.partialBody !== undefined) {
      req.write(body.subarray(0, spec.partialBody));
    } else if (body !== undefined && spec.chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else {
      req.end(body);
    }
  });
}

export { md5Base64, md5Hex } from '../../lib/checksum/md5.ts';

/** Throws with the status and error body when the status is not the expected one. */
export function expectStatus(res: RawResponse, status: number): RawResponse {
  if (res.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${res.status}: ${res.body.toString('utf8')}`);
  }
  return res;
}

export async function initiateUpload(
  emulator: Emulator,
  key: string,
  extra: Partial<RawRequest> = {},
): Promise<string> {
  const res = expectStatus(
    await ossRequest(emulator, { method: 'POST', key, query: { uploads: '' }, ...extra }),
    200,
  );
  return textOf(childOf(res.xml, 'InitiateMultipartUploadResult'), 'UploadId')!;
}

/** Upload one part; resolves with its quoted ETag. */
export async function uploadPart(
  emulator: Emulator,
  key: string,
  uploadId: string,
  partNumber: number,
  body: Buffer,
  extra: Partial<RawRequest> = {},
): Promise<string> {
  const res = expectStatus(
    await ossRequest(emulator, {
      method: 'PUT',
      key,
      query: { partNumber: String(partNumber), uploadId },
      body,
      ...extra,
    }),
    200,
  );
  return String(res.headers['etag']);
}

export function completeXml(parts: Array<{ partNumber: number | string; etag: string }>): string {
  const items = parts
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${p.etag}</ETag></Part>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${items}</CompleteMultipartUpload>`;
}

export function completeUpload(
  emulator: Emulator,
  key: string,
  uploadId: string,
  parts: Array<{ partNumber: number | string; etag: string }>,
  extra: Partial<RawRequest> = {},
): Promise<RawResponse> {
  return ossRequest(emulator, {
    method: 'POST',
    key,
    query: { uploadId },
    headers: { 'content-type': 'application/xml' },
    body: completeXml(parts),
    ...extra,
  });
}
