import { createHmac } from 'node:crypto';
import { byteOrder, formatRfc1123, trimHeaderValue } from './encoding.ts';
import type { Credentials, SignableRequest } from './types.ts';

/**
 * Query names that are V1 sub-resources: the list common to the Go SDK v2 and the Python SDK,
 * plus the Python SDK's bucket-configuration names. Query names starting with `x-oss-` are
 * signed too (the Go SDK's rule).
 * Anything else (encoding-type, max-parts, markers, prefix, ...) is not signed.
 */
export const V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  // Go SDK v2 and Python SDK
  'uploads',
  'uploadId',
  'partNumber',
  'acl',
  'append',
  'position',
  'delete',
  'tagging',
  'objectMeta',
  'symlink',
  'restore',
  'location',
  'stat',
  'bucketInfo',
  'security-token',
  'callback',
  'callback-var',
  'versions',
  'versioning',
  'versionId',
  'sequential',
  'continuation-token',
  'regionList',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  // Python SDK only; its x-oss-* names are covered by the prefix rule
  'cors',
  'lifecycle',
  'logging',
  'website',
  'referer',
  'policy',
  'encryption',
  'worm',
  'wormId',
  'wormExtend',
  'inventory',
  'inventoryId',
  'resourceGroup',
  'requestPayment',
  'qos',
  'qosInfo',
  'asyncFetch',
  'replication',
  'replicationLocation',
  'replicationProgress',
  'group',
  'link',
  'objectInfo',
  'live',
  'comp',
  'status',
  'vod',
  'startTime',
  'endTime',
  'cloudboxes',
]);

/** True when query parameter `name` takes part in the V1 CanonicalizedResource. */
export function isV1SubResource(name: string): boolean {
  return V1_SUB_RESOURCES.has(name) || name.startsWith('x-oss-');
}

/** `/bucket/key?sub&res=val` with the raw key and raw values (docs/signing.md, V1). */
export function v1CanonicalResource(req: SignableRequest): string {
  let res = req.bucket ? `/${req.bucket}/${req.key ?? ''}` : '/';
  const subs = Object.keys(req.query).filter(isV1SubResource).sort(byteOrder);
  if (subs.length > 0) {
    res +=
      '?' +
      subs
        .map((n) => {
          const v = req.query[n] ?? '';
          return v === '' ? n : `${n}=${v}`;
        })
        .join('&');
  }
  return res;
}

/** StringToSign from the headers already on the request (docs/signing.md, V1). */
export function v1StringToSign(req: SignableRequest): string {
  // Names should already be lower case; normalizing is cheap and keeps V1 and V4 consistent.
  const headers = new Map<string, string>();
  const ossHeaders = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    headers.set(lower, trimHeaderValue(value));
    if (lower.startsWith('x-oss-')) ossHeaders.set(lower, trimHeaderValue(value));
  }
  const canonicalHeaders = [...ossHeaders.keys()]
    .sort(byteOrder)
    .map((n) => `${n}:${ossHeaders.get(n)}\n`)
    .join('');
  return (
    `${req.method.toUpperCase()}\n` +
    `${headers.get('content-md5') ?? ''}\n` +
    `${headers.get('content-type') ?? ''}\n` +
    `${headers.get('x-oss-date') ?? headers.get('date') ?? ''}\n` +
    canonicalHeaders +
    v1CanonicalResource(req)
  );
}

/** base64(HMAC-SHA1(secret, UTF-8(stringToSign))). */
export function v1Signature(stringToSign: string, secret: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/**
 * Sign `req` in place with V1: sets `x-oss-date` and `date` (same RFC 1123 value, so the
 * signature is the same whichever one a server reads), the STS token, then `authorization`.
 */
export function signV1(
  req: SignableRequest,
  creds: Credentials,
  now: Date,
): { stringToSign: string } {
  const date = formatRfc1123(now);
  req.headers['x-oss-date'] = date;
  req.headers['date'] = date;
  if (creds.securityToken) req.headers['x-oss-security-token'] = creds.securityToken;
  else delete req.headers['x-oss-security-token'];
  const stringToSign = v1StringToSign(req);
  req.headers['authorization'] =
    `OSS ${creds.accessKeyId}:${v1Signature(stringToSign, creds.accessKeySecret)}`;
  return { stringToSign };
}
