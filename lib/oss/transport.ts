/**
 * The OSS operations a client needs, one method each. Requests go through the one request
 * path; answers are read strictly; listings are bounded (a repeated or missing marker, or too
 * many pages, is an error); what the server stored is checked against what was sent.
 */
import { OssResponseError } from '../errors.ts';
import {
  headFrom,
  parseComplete,
  parseInitiate,
  parsePartsPage,
  parseUploadsPage,
  requiredEtag,
} from './answers.ts';
import {
  checkBody,
  checkCallOptions,
  checkCompletedParts,
  checkListOptions,
  checkOptionalString,
  checkPartNumber,
  checkRange,
  checkUploadId,
  checkUploadOptions,
} from './call-options.ts';
import {
  type OssClientOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './client-options.ts';
import type { HttpResponse } from './http.ts';
import { matchesCompleted, verifyStored } from './integrity.ts';
import { collectPages, DEFAULT_MAX_PAGES, validPartMarker } from './listing.ts';
import { validateHeaderRecord, validateObjectKey } from './names.ts';
import { Network } from './network.ts';
import { RequestPath, type RequestSpec } from './request.ts';
import type {
  CallOptions,
  CompletedPart,
  CompleteOptions,
  CompleteResult,
  GetObjectResult,
  ListedPart,
  ListedUpload,
  ListOptions,
  ObjectHead,
  PartResult,
  PutObjectResult,
  RequestBody,
  UploadPartOptions,
} from './types.ts';
import { buildXml } from './xml.ts';

/** Is this the answer OSS gives for an unknown, aborted or completed upload id? */
export function isNoSuchUpload(error: unknown): boolean {
  return error instanceof OssResponseError && error.ossCode === 'NoSuchUpload';
}

/** What every operation takes from its options; the caller's headers are checked here. */
function callSpec(
  options: CallOptions,
): Omit<RequestSpec, 'operation' | 'method'> & { headers: Record<string, string> } {
  checkCallOptions(options);
  return {
    signal: options.signal,
    retry: options.retry,
    headers: options.headers === undefined ? {} : validateHeaderRecord(options.headers),
    onAttempt: options.onAttempt,
  };
}

/**
 * The transport of one client: its options, its sockets and its requests in flight. Built
 * from the options a user gives `new OssClient(...)`, validated here.
 */
export class OssTransport {
  readonly options: ResolvedClientOptions;
  readonly #network: Network;
  readonly #requests: RequestPath;

  constructor(options: OssClientOptions) {
    this.options = resolveClientOptions(options);
    this.#network = new Network(this.options);
    this.#requests = new RequestPath(this.options, this.#network);
  }

  get bucket(): string {
    return this.options.bucket;
  }

  /** Server time minus local time, learned from a RequestTimeTooSkewed answer. */
  get clockOffsetMs(): number {
    return this.#requests.clock.offsetMs;
  }

  /**
   * Refuse new requests, wait for the ones in flight (a GetObject until its body is read or
   * destroyed), then release the sockets of the client's agents.
   */
  async close(): Promise<void> {
    await this.#requests.calls.close();
    // One turn of the event loop so that callers awaiting those requests see their results
    // before close() resolves.
    await new Promise((resolve) => setImmediate(resolve));
    this.#network.destroy();
  }

  /** Refuse new requests, abort the ones in flight (OssAbortError), release the sockets. */
  destroy(): void {
    this.#requests.calls.destroy();
    this.#network.destroy();
  }

  async initiateMultipartUpload(
    key: string,
    options: CallOptions = {},
  ): Promise<{ uploadId: string }> {
    const uploadId = await this.#requests.send(
      {
        ...callSpec(options),
        operation: 'InitiateMultipartUpload',
        method: 'POST',
        key: validateObjectKey(key),
        query: { uploads: '' },
      },
      parseInitiate,
    );
    return { uploadId };
  }

  /** PUT a body with its Content-MD5; the answer must name the same MD5 (and CRC-64). */
  #putBody(
    spec: Pick<RequestSpec, 'operation' | 'key' | 'query'>,
    body: RequestBody,
    options: UploadPartOptions,
    partNumber: number | undefined,
  ): Promise<HttpResponse> {
    const call = callSpec(options);
    checkUploadOptions(options);
    checkBody(body);
    const headers = { ...call.headers };
    if (options.contentMd5) headers['content-md5'] = options.contentMd5;
    return this.#requests.send(
      {
        ...call,
        ...spec,
        headers,
        method: 'PUT',
        body,
        onUploadProgress: options.onUploadProgress,
      },
      (response) => {
        requiredEtag(response, spec.operation);
        verifyStored(response, options.contentMd5, options.crc64, partNumber);
        return response;
      },
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
        key: validateObjectKey(key),
        query: {
          partNumber: String(checkPartNumber(partNumber)),
          uploadId: checkUploadId(uploadId),
        },
      },
      body,
      options,
      partNumber,
    );
    return {
      partNumber,
      etag: response.headers.etag as string,
      crc64: response.headers['x-oss-hash-crc64ecma'],
    };
  }

  async putObject(
    key: string,
    body: RequestBody,
    options: UploadPartOptions = {},
  ): Promise<PutObjectResult> {
    const response = await this.#putBody(
      { operation: 'PutObject', key: validateObjectKey(key) },
      body,
      options,
      undefined,
    );
    return {
      etag: response.headers.etag as string,
      crc64: response.headers['x-oss-hash-crc64ecma'],
      versionId: response.headers['x-oss-version-id'],
    };
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options: CompleteOptions = {},
  ): Promise<CompleteResult> {
    const validKey = validateObjectKey(key);
    checkUploadId(uploadId);
    const xml = buildXml({
      CompleteMultipartUpload: {
        Part: checkCompletedParts(parts).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
      },
    });
    const call = callSpec(options);
    let attempts = 0;
    try {
      const answer = await this.#requests.send(
        {
          ...call,
          headers: { 'content-type': 'application/xml', ...call.headers },
          operation: 'CompleteMultipartUpload',
          method: 'POST',
          key: validKey,
          query: { uploadId, 'encoding-type': 'url' },
          body: Buffer.from(xml),
          onAttempt: (n) => {
            attempts = n;
            options.onAttempt?.(n);
          },
        },
        parseComplete,
      );
      return {
        bucket: answer.bucket ?? this.bucket,
        key: answer.key ?? validKey,
        etag: answer.etag,
        crc64: answer.crc64,
        location: answer.location,
        versionId: answer.versionId,
        recoveredByHead: false,
      };
    } catch (error) {
      // A lost answer followed by a retry finds the upload gone although our first attempt
      // created the object. Accept it only if the object is exactly the one we assembled.
      if (attempts < 2 || !isNoSuchUpload(error) || !options.expect) throw error;
      const head = await this.#head(validKey, options.signal, true).catch(() => undefined);
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
    const spec: RequestSpec = {
      ...callSpec(options),
      operation: 'AbortMultipartUpload',
      method: 'DELETE',
      key: validateObjectKey(key),
      query: { uploadId: checkUploadId(uploadId) },
    };
    try {
      await this.#requests.send(spec);
    } catch (error) {
      if (!isNoSuchUpload(error)) throw error;
    }
  }

  /** Every part of an upload, following all pages (bounded like every listing). */
  async listParts(key: string, uploadId: string, options: ListOptions = {}): Promise<ListedPart[]> {
    const validKey = validateObjectKey(key);
    checkUploadId(uploadId);
    checkCallOptions(options);
    const { pageSize, maxPages } = checkListOptions(options);
    return await collectPages<ListedPart, string>(
      'ListParts',
      '0',
      async (marker) => {
        const query: Record<string, string> = { uploadId, 'part-number-marker': marker };
        if (pageSize !== undefined) query['max-parts'] = String(pageSize);
        const page = await this.#requests.send(
          { ...callSpec(options), operation: 'ListParts', method: 'GET', key: validKey, query },
          parsePartsPage,
        );
        return { items: page.items, truncated: page.truncated, next: page.nextMarker };
      },
      {
        maxPages: maxPages ?? DEFAULT_MAX_PAGES,
        same: (a, b) => a === b,
        valid: validPartMarker,
      },
    );
  }

  /** Every upload in progress in the bucket (optionally under a prefix), following all pages. */
  async listMultipartUploads(
    options: ListOptions & { prefix?: string | undefined } = {},
  ): Promise<ListedUpload[]> {
    type Marker = { key: string; uploadId: string };
    checkCallOptions(options);
    const { pageSize, maxPages } = checkListOptions(options);
    const prefix = checkOptionalString(options.prefix, 'prefix');
    return await collectPages<ListedUpload, Marker>(
      'ListMultipartUploads',
      { key: '', uploadId: '' },
      async (marker) => {
        const query: Record<string, string> = { uploads: '', 'encoding-type': 'url' };
        if (prefix) query.prefix = prefix;
        if (pageSize !== undefined) query['max-uploads'] = String(pageSize);
        if (marker.key) query['key-marker'] = marker.key;
        if (marker.uploadId) query['upload-id-marker'] = marker.uploadId;
        const page = await this.#requests.send(
          { ...callSpec(options), operation: 'ListMultipartUploads', method: 'GET', query },
          parseUploadsPage,
        );
        const next =
          page.nextKeyMarker || page.nextUploadIdMarker
            ? { key: page.nextKeyMarker, uploadId: page.nextUploadIdMarker }
            : undefined;
        return { items: page.items, truncated: page.truncated, next };
      },
      {
        maxPages: maxPages ?? DEFAULT_MAX_PAGES,
        same: (a, b) => a.key === b.key && a.uploadId === b.uploadId,
      },
    );
  }

  async headObject(key: string, options: CallOptions = {}): Promise<ObjectHead> {
    return await this.#head(validateObjectKey(key), options.signal, false, options);
  }

  async #head(
    key: string,
    signal: AbortSignal | undefined,
    nested: boolean,
    options: CallOptions = {},
  ): Promise<ObjectHead> {
    return await this.#requests.send(
      { ...callSpec(options), signal, nested, operation: 'HeadObject', method: 'HEAD', key },
      (response) => headFrom(response.headers),
    );
  }

  async deleteObject(key: string, options: CallOptions = {}): Promise<void> {
    await this.#requests.send({
      ...callSpec(options),
      operation: 'DeleteObject',
      method: 'DELETE',
      key: validateObjectKey(key),
    });
  }

  /**
   * Stream an object (or a `range` such as 'bytes=0-99'). Retries cover getting the headers;
   * the body fails with our error types (OssNetworkError, OssTimeoutError, OssAbortError).
   */
  async getObject(
    key: string,
    options: CallOptions & { range?: string | undefined } = {},
  ): Promise<GetObjectResult> {
    const call = callSpec(options);
    const range = checkRange(options.range);
    const headers = { ...call.headers };
    if (range) headers.range = range;
    const opened = await this.#requests.open({
      ...call,
      headers,
      operation: 'GetObject',
      method: 'GET',
      key: validateObjectKey(key),
    });
    return { ...headFrom(opened.headers), status: opened.status, body: opened.stream };
  }

  /** The whole body in memory: for small objects. */
  async getObjectBuffer(
    key: string,
    options: CallOptions & { range?: string | undefined } = {},
  ): Promise<Buffer> {
    const { body } = await this.getObject(key, options);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
