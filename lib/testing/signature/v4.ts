import { createHash, createHmac } from 'node:crypto';
import { joinBytes, trimBytes, uriEncodeBytes, wireBytes } from './bytes.ts';
import { resourcePath, type WireRequest } from './wire-request.ts';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** content-type, content-md5 and every x-oss-* header are signed without being listed. */
function signedByDefault(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');
}

/**
 * The additional headers that count: listed by the client, not signed by default anyway, and
 * present on the request; de-duplicated and sorted (what the Go and Python SDKs do).
 */
export function effectiveAdditionalHeaders(req: WireRequest, listed: readonly string[]): string[] {
  const names = new Set(listed.filter((n) => !signedByDefault(n) && n in req.headers));
  return [...names].sort();
}

/**
 * The V4 canonical request, as bytes, six lines joined by `\n`: verb; the URI-encoded
 * `/bucket/key` (slashes kept); every query parameter URI-encoded (slashes too), sorted by
 * encoded name, `name=value` or a bare name; `name:trimmed-value\n` for every signed header,
 * sorted; the additional header names joined by `;`; the x-oss-content-sha256 value.
 */
export function v4CanonicalRequest(req: WireRequest, additional: readonly string[]): Buffer {
  const query = req.query
    .map((q) => ({ name: uriEncodeBytes(q.name, false), value: uriEncodeBytes(q.value, false) }))
    .sort((a, b) => Buffer.compare(a.name, b.name) || Buffer.compare(a.value, b.value));
  const queryPieces: Array<string | Buffer> = [];
  query.forEach((q, i) => {
    if (i > 0) queryPieces.push('&');
    queryPieces.push(q.name);
    if (q.value.length > 0) queryPieces.push('=', q.value);
  });
  const headerNames = Object.keys(req.headers)
    .filter((name) => signedByDefault(name) || additional.includes(name))
    .sort();
  const headerPieces: Array<string | Buffer> = [];
  for (const name of headerNames) {
    headerPieces.push(`${name}:`, trimBytes(wireBytes(req.headers[name]!)), '\n');
  }
  return joinBytes([
    `${req.method}\n`,
    uriEncodeBytes(resourcePath(req), true),
    '\n',
    ...queryPieces,
    '\n',
    ...headerPieces,
    '\n',
    additional.join(';'),
    '\n',
    wireBytes(req.headers['x-oss-content-sha256'] ?? UNSIGNED_PAYLOAD),
  ]);
}

/** `<day>/<region>/<product>/aliyun_v4_request` */
export function v4Scope(day: string, region: string, product: string): string {
  return `${day}/${region}/${product}/aliyun_v4_request`;
}

/** `OSS4-HMAC-SHA256 \n <x-oss-date> \n <scope> \n hex(SHA-256(canonical request))`. */
export function v4StringToSign(canonicalRequest: Buffer, isoDate: string, scope: string): Buffer {
  const digest = createHash('sha256').update(canonicalRequest).digest('hex');
  return joinBytes(['OSS4-HMAC-SHA256\n', wireBytes(isoDate), `\n${scope}\n${digest}`]);
}

const hmac = (key: string | Buffer, data: string | Buffer) =>
  createHmac('sha256', key).update(data).digest();

/** HMAC chain: `aliyun_v4` + secret over the day, then region, product, `aliyun_v4_request`. */
export function v4Signature(
  secret: string,
  scope: { day: string; region: string; product: string },
  stringToSign: Buffer,
): string {
  const dayKey = hmac(`aliyun_v4${secret}`, scope.day);
  const signingKey = hmac(hmac(hmac(dayKey, scope.region), scope.product), 'aliyun_v4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}
