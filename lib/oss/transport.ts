import { parseCrc64 } from '../checksum/crc64.ts';
import { etagToMd5Hex } from '../checksum/md5.ts';
import { OssIntegrityError, OssResponseError } from '../errors.ts';
import {
  type OssClientOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './client-options.ts';
import { buildTarget } from './endpoint.ts';
import { Agents, type HttpRequest, type HttpResponse, openStream, sendOnce } from './http.ts';
import { validateObjectKey } from './names.ts';
import { withRetry } from './retry.ts';
import { signV1, signV4 } from './signing/index.ts';
import type { Credentials } from './signing/types.ts';
import type {
  CallOptions,
  CompletedPart,
  CompleteOptions,
  CompleteResult,
  GetObjectResult,
  ListedPart,
  ListedUpload,
  ObjectHead,
  PartResult,
  PutObjectResult,
  RequestBody,
  UploadPartOptions,
} from './types.ts';
import { buildXml, childOf, listOf, parseXml, textOf, type XmlNode } from './xml.ts';

interface RequestSpec extends CallOptions {
  operation: string;
  method: string;
  key?: string | undefined;
  query?: Record<string, string>;
  body?: RequestBody | undefined;
  onUploadProgress?: ((bytesSent: number) => void) | undefined;
}

function lowerCaseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function requireText(node: XmlNode | undefined, name: string, operation: string): string {
  const value = textOf(node, name);
  if (value === undefined) {
    throw new OssResponseError({ status: 200, operation, ossMessage: `response lacks <${name}>` });
  }
  return value;
}

function decodeIfUrl(value: string, encoded: boolean): string {
  return encoded ? decodeURIComponent(value) : value;
}

function headFrom(response: HttpResponse): ObjectHead {
  const h = response.headers;
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith('x-oss-meta-') && value !== undefined) meta[name.slice(11)] = value;
  }
  return {
    contentLength: Number(h['content-length'] ?? 0),
    etag: h.etag ?? '',
    crc64: h['x-oss-hash-crc64ecma'],
    objectType: h['x-oss-object-type'],
    contentType: h['content-type'],
    lastModified: h['last-modified'],
    storageClass: h['x-oss-storage-class'],
    meta,
    headers: h,
  };
}

/** Is this the answer OSS gives for an unknown, aborted or completed upload id? */
export function isNoSuchUpload(error: unknown): boolean {
  return error instanceof OssResponseError && error.ossCode === 'NoSuchUpload';
}

/**
 * The OSS transport: one method per operation (OssClient adds the upload stream on top). Every attempt is signed afresh (new date,
 * current credentials); retries follow one policy (retry.ts); nothing here buffers parts.
 */
export class OssTransport {
  readonly options: ResolvedClientOptions;
  readonly #agents = new Agents();
  /** Server time minus local time, learned from a RequestTimeTooSkewed answer. */
  #clockOffsetMs = 0;

  constructor(options: OssClientOptions) {
    this.options = resolveClientOptions(options);
  }

  get bucket(): string {
    return this.options.bucket;
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** Release keep-alive sockets. In-flight requests are not affected by this call. */
  close(): void {
    this.#agents.destroy();
  }

  async #signedRequest(
    spec: RequestSpec,
    attemptHeaders: Record<string, string>,
    onCredentials: (used: Credentials) => void,
  ) {
    const { options } = this;
    const query = spec.query ?? {};
    const creds = await options.credentials.get();
    onCredentials(creds);
    const signable = {
      method: spec.method,
      bucket: options.bucket,
      key: spec.key,
      query,
      headers: attemptHeaders,
    };
    const now = new Date(Date.now() + this.#clockOffsetMs);
    if (options.signatureVersion === 'v4') signV4(signable, creds, now, options.region as string);
    else signV1(signable, creds, now);
    return {
      operation: spec.operation,
      method: spec.method,
      target: buildTarget(options.endpoint, options.pathStyle, options.bucket, spec.key, query),
      headers: signable.headers,
      body: spec.body,
      signal: spec.signal,
      timeoutMs: options.timeoutMs,
      onUploadProgress: spec.onUploadProgress,
    };
  }

  /**
   * A repaired error earns one immediate retry: the clock offset corrected from the server's
   * Date after RequestTimeTooSkewed, or refreshed credentials after an expired STS token.
   */
  #repairer(usedCredentials: () => Credentials | undefined) {
    let skewRepaired = false;
    let tokenRefreshed = false;
    return (error: unknown): boolean => {
      if (!(error instanceof OssResponseError)) return false;
      if (error.ossCode === 'RequestTimeTooSkewed' && !skewRepaired) {
        const serverTime = Date.parse(error.extra.ServerTime ?? error.serverDate ?? '');
        if (Number.isNaN(serverTime)) return false;
        this.#clockOffsetMs = serverTime - Date.now();
        skewRepaired = true;
        return true;
      }
      const expired = error.ossCode === 'SecurityTokenExpired' || error.ec === '0002-00000007';
      if (expired && this.options.credentials.refreshable && !tokenRefreshed) {
        // Only the credentials this attempt signed with are stale: requests failing together
        // must not make the provider fetch once each.
        this.options.credentials.invalidate(usedCredentials());
        tokenRefreshed = true;
        return true;
      }
      return false;
    };
  }

  /** Sign and send under the retry policy; every attempt is signed afresh. */
  #attempts<T>(
    spec: RequestSpec,
    headers: Record<string, string>,
    send: (request: HttpRequest) => Promise<T>,
  ): Promise<T> {
    let used: Credentials | undefined;
    return withRetry(
      async (attemptNumber) => {
        spec.onAttempt?.(attemptNumber);
        const request = await this.#signedRequest(spec, { ...headers }, (c) => {
          used = c;
        });
        return send(request);
      },
      spec.retry ?? this.options.retry,
      spec.signal,
      this.#repairer(() => used),
    );
  }

  #send(spec: RequestSpec, check?: (response: HttpResponse) => void): Promise<HttpResponse> {
    return this.#attempts(spec, lowerCaseHeaders(spec.headers), async (request) => {
      const response = await sendOnce(this.#agents, request);
      check?.(response);
      return response;
    });
  }

  #validKey(key: string): string {
    return validateObjectKey(key);
  }

  async initiateMultipartUpload(
    key: string,
    options: CallOptions = {},
  ): Promise<{ uploadId: string }> {
    const operation = 'InitiateMultipartUpload';
    const response = await this.#send({
      ...options,
      operation,
      method: 'POST',
      key: this.#validKey(key),
      query: { uploads: '' },
    });
    const root = childOf(parseXml(response.body), 'InitiateMultipartUploadResult');
    return { uploadId: requireText(root, 'UploadId', operation) };
  }

  /** PUT a body with its Content-MD5; the answer must name the same MD5 (and CRC-64). */
  async #putBody(
    spec: Pick<RequestSpec, 'operation' | 'key' | 'query'>,
    body: RequestBody,
    options: UploadPartOptions,
    partNumber: number | undefined,
  ): Promise<HttpResponse> {
    const headers = lowerCaseHeaders(options.headers);
    if (options.contentMd5) headers['content-md5'] = options.contentMd5;
    return this.#send({ ...options, ...spec, headers, method: 'PUT', body }, (res) =>
      verifyStored(res, options.contentMd5, options.crc64, partNumber),
    );
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: RequestBody,
    options: UploadPartOptions = {},
  ): Promise<PartResult> {
    const response = await this.#putBody(
      {
        operation: 'UploadPart',
        key: this.#validKey(key),
        query: { partNumber: String(partNumber), uploadId },
      },
      body,
      options,
      partNumber,
    );
    return {
      partNumber,
      etag: response.headers.etag ?? '',
      crc64: response.headers['x-oss-hash-crc64ecma'],
    };
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options: CompleteOptions = {},
  ): Promise<CompleteResult> {
    const operation = 'CompleteMultipartUpload';
    const validKey = this.#validKey(key);
    const xml = buildXml({
      CompleteMultipartUpload: {
        Part: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
      },
    });
    const headers = { 'content-type': 'application/xml', ...lowerCaseHeaders(options.headers) };
    let attempts = 0;
    try {
      const response = await this.#send({
        ...options,
        headers,
        operation,
        method: 'POST',
        key: validKey,
        query: { uploadId, 'encoding-type': 'url' },
        body: Buffer.from(xml),
        onAttempt: (n) => {
          attempts = n;
        },
      });
      const root = childOf(parseXml(response.body), 'CompleteMultipartUploadResult');
      const encoded = textOf(root, 'EncodingType') === 'url';
      return {
        bucket: textOf(root, 'Bucket') ?? this.bucket,
        key: decodeIfUrl(textOf(root, 'Key') ?? validKey, encoded),
        etag: response.headers.etag ?? textOf(root, 'ETag') ?? '',
        crc64: response.headers['x-oss-hash-crc64ecma'],
        location: textOf(root, 'Location'),
        versionId: response.headers['x-oss-version-id'],
        recoveredByHead: false,
      };
    } catch (error) {
      // A lost response followed by a retry finds the upload gone although our first attempt
      // created the object. Accept it only if the object is exactly the one we assembled.
      if (attempts < 2 || !isNoSuchUpload(error) || !options.expect) throw error;
      const head = await this.headObject(validKey, { signal: options.signal }).catch(
        () => undefined,
      );
      if (!head || !matchesCompleted(head, options.expect)) throw error;
      return {
        bucket: this.bucket,
        key: validKey,
        etag: head.etag,
        crc64: head.crc64,
        location: undefined,
        versionId: head.headers['x-oss-version-id'],
        recoveredByHead: true,
      };
    }
  }

  /** Abort an upload. NoSuchUpload (already gone) counts as success. */
  async abortMultipartUpload(
    key: string,
    uploadId: string,
    options: CallOptions = {},
  ): Promise<void> {
    try {
      await this.#send({
        ...options,
        operation: 'AbortMultipartUpload',
        method: 'DELETE',
        key: this.#validKey(key),
        query: { uploadId },
      });
    } catch (error) {
      if (!isNoSuchUpload(error)) throw error;
    }
  }

  /** Every part of an upload, following all pages. */
  async listParts(
    key: string,
    uploadId: string,
    options: CallOptions & { pageSize?: number } = {},
  ) {
    const operation = 'ListParts';
    const parts: ListedPart[] = [];
    let marker = '0';
    for (;;) {
      const query: Record<string, string> = { uploadId, 'part-number-marker': marker };
      if (options.pageSize !== undefined) query['max-parts'] = String(options.pageSize);
      const response = await this.#send({
        ...options,
        operation,
        method: 'GET',
        key: this.#validKey(key),
        query,
      });
      const root = childOf(parseXml(response.body), 'ListPartsResult');
      for (const part of listOf(root, 'Part')) {
        parts.push({
          partNumber: Number(requireText(part, 'PartNumber', operation)),
          etag: requireText(part, 'ETag', operation),
          size: Number(requireText(part, 'Size', operation)),
          lastModified: textOf(part, 'LastModified'),
          crc64: textOf(part, 'HashCrc64ecma'),
        });
      }
      const next = textOf(root, 'NextPartNumberMarker');
      if (textOf(root, 'IsTruncated') !== 'true' || !next || next === marker) break;
      marker = next;
    }
    return parts;
  }

  /** Every in-progress upload in the bucket (optionally under a prefix), following all pages. */
  async listMultipartUploads(options: CallOptions & { prefix?: string; pageSize?: number } = {}) {
    const operation = 'ListMultipartUploads';
    const uploads: ListedUpload[] = [];
    let keyMarker = '';
    let uploadIdMarker = '';
    for (;;) {
      const query: Record<string, string> = { uploads: '', 'encoding-type': 'url' };
      if (options.prefix) query.prefix = options.prefix;
      if (options.pageSize !== undefined) query['max-uploads'] = String(options.pageSize);
      if (keyMarker) query['key-marker'] = keyMarker;
      if (uploadIdMarker) query['upload-id-marker'] = uploadIdMarker;
      const response = await this.#send({ ...options, operation, method: 'GET', query });
      const root = childOf(parseXml(response.body), 'ListMultipartUploadsResult');
      const encoded = textOf(root, 'EncodingType') === 'url';
      for (const upload of listOf(root, 'Upload')) {
        uploads.push({
          key: decodeIfUrl(requireText(upload, 'Key', operation), encoded),
          uploadId: requireText(upload, 'UploadId', operation),
          initiated: textOf(upload, 'Initiated'),
        });
      }
      if (textOf(root, 'IsTruncated') !== 'true') break;
      const nextKey = decodeIfUrl(textOf(root, 'NextKeyMarker') ?? '', encoded);
      const nextId = textOf(root, 'NextUploadIdMarker') ?? '';
      if (nextKey === keyMarker && nextId === uploadIdMarker) break;
      keyMarker = nextKey;
      uploadIdMarker = nextId;
    }
    return uploads;
  }

  async putObject(
    key: string,
    body: RequestBody,
    options: UploadPartOptions = {},
  ): Promise<PutObjectResult> {
    const response = await this.#putBody(
      { operation: 'PutObject', key: this.#validKey(key) },
      body,
      options,
      undefined,
    );
    return {
      etag: response.headers.etag ?? '',
      crc64: response.headers['x-oss-hash-crc64ecma'],
      versionId: response.headers['x-oss-version-id'],
    };
  }

  async headObject(key: string, options: CallOptions = {}): Promise<ObjectHead> {
    const response = await this.#send({
      ...options,
      operation: 'HeadObject',
      method: 'HEAD',
      key: this.#validKey(key),
    });
    return headFrom(response);
  }

  async deleteObject(key: string, options: CallOptions = {}): Promise<void> {
    await this.#send({
      ...options,
      operation: 'DeleteObject',
      method: 'DELETE',
      key: this.#validKey(key),
    });
  }

  /** Stream an object (or a `range` such as 'bytes=0-99'). Retries cover getting the headers. */
  async getObject(
    key: string,
    options: CallOptions & { range?: string } = {},
  ): Promise<GetObjectResult> {
    const spec: RequestSpec = {
      ...options,
      operation: 'GetObject',
      method: 'GET',
      key: this.#validKey(key),
    };
    const headers = lowerCaseHeaders(options.headers);
    if (options.range) headers.range = options.range;
    return this.#attempts(spec, headers, async (request) => {
      const opened = await openStream(this.#agents, request);
      const head = headFrom({
        status: opened.status,
        headers: opened.headers,
        body: Buffer.alloc(0),
      });
      return { ...head, status: opened.status, body: opened.stream };
    });
  }

  /** Convenience for tests and small objects: the whole body in memory. */
  async getObjectBuffer(
    key: string,
    options: CallOptions & { range?: string } = {},
  ): Promise<Buffer> {
    const { body } = await this.getObject(key, options);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}

/** The ETag of a stored part or object must be the MD5 we sent; its CRC the one we computed. */
function verifyStored(
  response: HttpResponse,
  contentMd5: string | undefined,
  crc64: bigint | undefined,
  partNumber: number | undefined,
): void {
  if (contentMd5) {
    const expected = Buffer.from(contentMd5, 'base64').toString('hex').toUpperCase();
    const actual = etagToMd5Hex(response.headers.etag ?? '') ?? response.headers.etag ?? '(none)';
    if (actual !== expected) throw new OssIntegrityError('etag', expected, actual, partNumber);
  }
  const returned = response.headers['x-oss-hash-crc64ecma'];
  if (crc64 !== undefined && returned !== undefined) {
    const actual = parseCrc64(returned);
    if (actual !== crc64) {
      throw new OssIntegrityError('crc64', crc64.toString(), returned, partNumber);
    }
  }
}

function matchesCompleted(
  head: ObjectHead,
  expect: NonNullable<CompleteOptions['expect']>,
): boolean {
  if (head.objectType !== 'Multipart') return false;
  if (!new RegExp(`-${expect.partCount}"?$`).test(head.etag)) return false;
  if (expect.size !== undefined && head.contentLength !== expect.size) return false;
  if (expect.crc64 !== undefined && head.crc64 !== expect.crc64) return false;
  return true;
}
