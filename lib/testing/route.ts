import { methodNotAllowed, notImplemented } from './errors.ts';
import type { Target } from './target.ts';
import type { OperationName } from './types.ts';

/**
 * Sub-resources of features the emulator does not have. Any of them turns a request into
 * another operation on OSS (ACLs, tagging, symlinks, appends, versions, bucket configuration),
 * so running it as a plain object operation would fake a success.
 */
const UNSUPPORTED_SUB_RESOURCES = [
  'acl',
  'tagging',
  'symlink',
  'append',
  'position',
  'restore',
  'objectMeta',
  'versions',
  'versioning',
  'versionId',
  'cors',
  'lifecycle',
  'policy',
  'website',
  'logging',
  'referer',
  'location',
  'stat',
  'bucketInfo',
  'delete',
  'sequential',
  'encryption',
  'worm',
  'inventory',
  'replication',
  'qos',
  'live',
  'comp',
  'callback',
  'callback-var',
];

/** Query parameters that mean query-string (presigned URL) authentication. */
const PRESIGN_PARAMETERS = [
  'OSSAccessKeyId',
  'Signature',
  'x-oss-signature-version',
  'x-oss-credential',
  'x-oss-signature',
];

/**
 * Request headers that select another operation or a side effect the emulator does not
 * perform: copies (CopyObject, UploadPartCopy) and upload callbacks.
 */
const UNSUPPORTED_HEADERS: Record<string, string> = {
  'x-oss-copy-source': 'Copying (CopyObject, UploadPartCopy)',
  'x-oss-callback': 'Upload callbacks (x-oss-callback)',
  'x-oss-callback-var': 'Upload callbacks (x-oss-callback-var)',
};

/** Conditional headers are implemented for reads only (GET and HEAD). */
const CONDITIONAL_HEADERS = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
];

/** The sub-resources that select the multipart operations; anything else must be absent. */
const MULTIPART_PARAMETERS = ['uploads', 'uploadId', 'partNumber'] as const;
type MultipartParameter = (typeof MULTIPART_PARAMETERS)[number];

function refuseUnsupported(
  method: string,
  query: Record<string, string>,
  headers: Record<string, string>,
): void {
  const presign = PRESIGN_PARAMETERS.some((name) => name in query);
  if (presign && headers['authorization'] === undefined) {
    throw notImplemented('Presigned URL authentication');
  }
  const sub = UNSUPPORTED_SUB_RESOURCES.find((name) => name in query);
  if (sub) throw notImplemented(`The ${sub} sub-resource`);
  // x-oss-process, x-oss-async-process and any other x-oss-* query parameter select a feature
  // (image processing, renaming, ...); none of them is a plain object operation.
  const feature = Object.keys(query).find((name) => name.startsWith('x-oss-'));
  if (feature) throw notImplemented(`The ${feature} parameter`);
  for (const [name, what] of Object.entries(UNSUPPORTED_HEADERS)) {
    if (name in headers) throw notImplemented(what);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const conditional = CONDITIONAL_HEADERS.find((name) => name in headers);
    if (conditional) throw notImplemented(`Conditional writes (${conditional})`);
  }
}

/**
 * Which operation a request is, from method, addressing, sub-resources and headers. Every
 * combination that is not exactly one implemented operation is answered 501 NotImplemented.
 */
export function routeOf(
  method: string,
  target: Target,
  headers: Record<string, string>,
): OperationName {
  const q = target.query;
  if (target.bucket === undefined) {
    throw method === 'GET' ? notImplemented('ListBuckets') : methodNotAllowed(method);
  }
  refuseUnsupported(method, q, headers);
  const present = new Set(MULTIPART_PARAMETERS.filter((name) => name in q));
  /** True when exactly these multipart parameters are present (the rest may be absent). */
  const only = (...allowed: MultipartParameter[]) =>
    [...present].every((name) => allowed.includes(name));
  const none = () => present.size === 0;

  if (target.key === '') {
    if (method === 'PUT' && none()) return 'PutBucket';
    if (method === 'GET' && present.has('uploads') && only('uploads'))
      return 'ListMultipartUploads';
    // An upload needs a key: let the operation answer InvalidObjectName.
    if (method === 'POST' && present.has('uploads') && only('uploads')) {
      return 'InitiateMultipartUpload';
    }
    throw notImplemented(`${method} on a bucket (ListObjects, GetBucketInfo, ...)`);
  }
  switch (method) {
    case 'POST':
      if (present.has('uploads') && only('uploads')) return 'InitiateMultipartUpload';
      if (present.has('uploadId') && only('uploadId')) return 'CompleteMultipartUpload';
      if (none()) throw notImplemented('PostObject');
      break;
    case 'PUT':
      // A part upload with one of its two parameters missing is still UploadPart: it answers
      // the error OSS gives (InvalidArgument, NoSuchUpload).
      if (none()) return 'PutObject';
      if (only('uploadId', 'partNumber')) return 'UploadPart';
      break;
    case 'GET':
      if (none()) return 'GetObject';
      if (present.has('uploadId') && only('uploadId')) return 'ListParts';
      break;
    case 'HEAD':
      if (none()) return 'HeadObject';
      break;
    case 'DELETE':
      if (none()) return 'DeleteObject';
      if (present.has('uploadId') && only('uploadId')) return 'AbortMultipartUpload';
      break;
    default:
      throw methodNotAllowed(method);
  }
  throw notImplemented(`${method} with ${[...present].join(' and ')}`);
}
