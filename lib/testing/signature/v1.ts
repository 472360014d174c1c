import { createHmac } from 'node:crypto';
import { joinBytes, trimBytes, wireBytes } from './bytes.ts';
import { resourcePath, type WireRequest } from './wire-request.ts';

/**
 * Query names that V1 signs (the "sub-resources"); every other query parameter (prefix, markers,
 * max-parts, encoding-type, ...) is left out of the signature. Names starting with `x-oss-` are
 * signed as well. The list is the union of what the official Go and Python SDKs sign.
 */
const SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'append',
  'asyncFetch',
  'bucketInfo',
  'callback',
  'callback-var',
  'cloudboxes',
  'comp',
  'continuation-token',
  'cors',
  'delete',
  'encryption',
  'endTime',
  'group',
  'inventory',
  'inventoryId',
  'lifecycle',
  'link',
  'live',
  'location',
  'logging',
  'objectInfo',
  'objectMeta',
  'partNumber',
  'policy',
  'position',
  'qos',
  'qosInfo',
  'referer',
  'regionList',
  'replication',
  'replicationLocation',
  'replicationProgress',
  'requestPayment',
  'resourceGroup',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'security-token',
  'sequential',
  'startTime',
  'stat',
  'status',
  'symlink',
  'tagging',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'vod',
  'website',
  'worm',
  'wormExtend',
  'wormId',
]);

function isSubResource(name: Buffer): boolean {
  const text = name.toString('latin1');
  return SUB_RESOURCES.has(text) || text.startsWith('x-oss-');
}

/**
 * The V1 string to sign, as bytes:
 * `VERB \n Content-MD5 \n Content-Type \n date \n` + one `x-oss-name:value\n` line per x-oss
 * header (values trimmed, names sorted) + `/bucket/key` + `?sub&res=value` (sorted by name).
 * The date is x-oss-date when present, else Date. Key and query values are the decoded bytes.
 */
export function v1StringToSign(req: WireRequest): Buffer {
  const h = req.headers;
  const ossNames = Object.keys(h)
    .filter((name) => name.startsWith('x-oss-'))
    .sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  const pieces: Array<string | Buffer> = [
    `${req.method}\n`,
    wireBytes(h['content-md5'] ?? ''),
    '\n',
    wireBytes(h['content-type'] ?? ''),
    '\n',
    wireBytes(h['x-oss-date'] ?? h['date'] ?? ''),
    '\n',
  ];
  for (const name of ossNames) {
    pieces.push(`${name}:`, trimBytes(wireBytes(h[name]!)), '\n');
  }
  pieces.push(resourcePath(req));
  const subs = req.query
    .filter((q) => isSubResource(q.name))
    .sort((a, b) => Buffer.compare(a.name, b.name));
  subs.forEach((q, i) => {
    pieces.push(i === 0 ? '?' : '&', q.name);
    if (q.value.length > 0) pieces.push('=', q.value);
  });
  return joinBytes(pieces);
}

/** base64 HMAC-SHA1 of the string-to-sign bytes, keyed with the UTF-8 secret. */
export function v1Signature(stringToSign: Buffer, secret: string): string {
  return createHmac('sha1', secret).update(stringToSign).digest('base64');
}
