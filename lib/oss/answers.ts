/**
 * Reading the answers of successful requests. A 200 that is not the document the operation
 * returns (an <Error> body, an HTML page from a proxy, a missing ETag) is an OssResponseError
 * with status 200 naming what was missing — never a success with empty fields.
 */
import { OssResponseError } from '../errors.ts';
import type { HttpResponse } from './http.ts';
import type { ListedPart, ListedUpload, ObjectHead } from './types.ts';
import { childOf, listOf, parseXml, textOf, type XmlNode } from './xml.ts';

function malformed(response: HttpResponse, operation: string, what: string): OssResponseError {
  return new OssResponseError({
    status: response.status,
    operation,
    ossMessage: `the answer ${what}`,
    requestId: response.headers['x-oss-request-id'],
  });
}

/** The root element of an XML answer, which must be `name`. */
export function rootOf(response: HttpResponse, operation: string, name: string): XmlNode {
  const root = response.body.length > 0 ? childOf(parseXml(response.body), name) : undefined;
  if (!root) throw malformed(response, operation, `is not a <${name}> document`);
  return root;
}

/** A child element that must be present and not blank. */
export function required(
  response: HttpResponse,
  node: XmlNode,
  name: string,
  operation: string,
): string {
  const value = textOf(node, name);
  if (value === undefined || value.trim() === '') {
    throw malformed(response, operation, `lacks <${name}>`);
  }
  return value;
}

/** The ETag header of an UploadPart or PutObject answer, which must be present. */
export function requiredEtag(response: HttpResponse, operation: string): string {
  const etag = response.headers.etag;
  if (!etag) throw malformed(response, operation, 'lacks the ETag header');
  return etag;
}

function decodeIfUrl(value: string, encoded: boolean): string {
  return encoded ? decodeURIComponent(value) : value;
}

export function parseInitiate(response: HttpResponse): string {
  const operation = 'InitiateMultipartUpload';
  const root = rootOf(response, operation, 'InitiateMultipartUploadResult');
  return required(response, root, 'UploadId', operation).trim();
}

export interface CompleteAnswer {
  bucket: string | undefined;
  key: string | undefined;
  etag: string;
  location: string | undefined;
  /** The server's CRC-64 of the object, when it sent one. */
  crc64: string | undefined;
  versionId: string | undefined;
}

export function parseComplete(response: HttpResponse): CompleteAnswer {
  const operation = 'CompleteMultipartUpload';
  const root = rootOf(response, operation, 'CompleteMultipartUploadResult');
  const encoded = textOf(root, 'EncodingType') === 'url';
  const key = textOf(root, 'Key');
  const etag = response.headers.etag || textOf(root, 'ETag');
  if (!etag) throw malformed(response, operation, 'lacks an ETag (header or <ETag>)');
  return {
    bucket: textOf(root, 'Bucket'),
    key: key === undefined ? undefined : decodeIfUrl(key, encoded),
    etag,
    location: textOf(root, 'Location'),
    crc64: response.headers['x-oss-hash-crc64ecma'],
    versionId: response.headers['x-oss-version-id'],
  };
}

export interface Page<T> {
  items: T[];
  truncated: boolean;
}

export function parsePartsPage(
  response: HttpResponse,
): Page<ListedPart> & { nextMarker: string | undefined } {
  const operation = 'ListParts';
  const root = rootOf(response, operation, 'ListPartsResult');
  const items = listOf(root, 'Part').map((part) => ({
    partNumber: Number(required(response, part, 'PartNumber', operation)),
    etag: required(response, part, 'ETag', operation),
    size: Number(required(response, part, 'Size', operation)),
    lastModified: textOf(part, 'LastModified'),
    crc64: textOf(part, 'HashCrc64ecma'),
  }));
  return {
    items,
    truncated: textOf(root, 'IsTruncated') === 'true',
    nextMarker: textOf(root, 'NextPartNumberMarker') || undefined,
  };
}

export function parseUploadsPage(
  response: HttpResponse,
): Page<ListedUpload> & { nextKeyMarker: string; nextUploadIdMarker: string } {
  const operation = 'ListMultipartUploads';
  const root = rootOf(response, operation, 'ListMultipartUploadsResult');
  const encoded = textOf(root, 'EncodingType') === 'url';
  const items = listOf(root, 'Upload').map((upload) => ({
    key: decodeIfUrl(required(response, upload, 'Key', operation), encoded),
    uploadId: required(response, upload, 'UploadId', operation),
    initiated: textOf(upload, 'Initiated'),
  }));
  return {
    items,
    truncated: textOf(root, 'IsTruncated') === 'true',
    nextKeyMarker: decodeIfUrl(textOf(root, 'NextKeyMarker') ?? '', encoded),
    nextUploadIdMarker: textOf(root, 'NextUploadIdMarker') ?? '',
  };
}

/** Object metadata from HeadObject or GetObject headers. */
export function headFrom(headers: Record<string, string | undefined>): ObjectHead {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-oss-meta-') && value !== undefined) meta[name.slice(11)] = value;
  }
  return {
    contentLength: Number(headers['content-length'] ?? 0),
    etag: headers.etag ?? '',
    crc64: headers['x-oss-hash-crc64ecma'],
    objectType: headers['x-oss-object-type'],
    contentType: headers['content-type'],
    lastModified: headers['last-modified'],
    storageClass: headers['x-oss-storage-class'],
    meta,
    headers,
  };
}
