import { createHash, createHmac } from 'node:crypto';
import { byteOrder, formatIso8601Basic, trimHeaderValue, uriEncode } from './encoding.ts';
import type { Credentials, SignableRequest } from './types.ts';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Headers every V4 signature covers without being listed in AdditionalHeaders. */
function isDefaultSigned(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');
}

/** Users write `oss-cn-hangzhou`; the scope wants `cn-hangzhou`. */
export function v4Region(region: string): string {
  return region.startsWith('oss-') ? region.slice(4) : region;
}

/**
 * Lower-case, de-duplicate and sort `names`, dropping those signed by default and those not
 * present on the request (as the Go and Python SDKs do; ali-oss throws on missing ones).
 */
export function v4AdditionalHeaders(req: SignableRequest, names: readonly string[]): string[] {
  const present = new Set(Object.keys(req.headers).map((n) => n.toLowerCase()));
  const out = new Set<string>();
  for (const n of names) {
    const lower = n.toLowerCase();
    if (!isDefaultSigned(lower) && present.has(lower)) out.add(lower);
  }
  return [...out].sort(byteOrder);
}

/** The six-part canonical request (docs/signing.md, V4); additional headers are normalized here. */
export function v4CanonicalRequest(
  req: SignableRequest,
  additionalHeaders: readonly string[],
): string {
  const additional = v4AdditionalHeaders(req, additionalHeaders);
  const uri = uriEncode(req.bucket ? `/${req.bucket}/${req.key ?? ''}` : '/', true);

  const query = Object.entries(req.query)
    .map(([n, v]) => [uriEncode(n, false), uriEncode(v, false)] as const)
    .sort((a, b) => byteOrder(a[0], b[0]))
    .map(([n, v]) => (v === '' ? n : `${n}=${v}`))
    .join('&');

  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (isDefaultSigned(lower) || additional.includes(lower))
      headers.set(lower, trimHeaderValue(value));
  }
  const canonicalHeaders = [...headers.keys()]
    .sort(byteOrder)
    .map((n) => `${n}:${headers.get(n)}\n`)
    .join('');

  const payload = req.headers['x-oss-content-sha256'] ?? UNSIGNED_PAYLOAD;
  return [
    req.method.toUpperCase(),
    uri,
    query,
    canonicalHeaders,
    additional.join(';'),
    payload,
  ].join('\n');
}

/** `<YYYYMMDD>/<region>/<product>/aliyun_v4_request`. */
export function v4Scope(day: string, region: string, product = 'oss'): string {
  return `${day}/${region}/${product}/aliyun_v4_request`;
}

export function v4StringToSign(canonicalRequest: string, isoDate: string, scope: string): string {
  const hash = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  return `${V4_ALGORITHM}\n${isoDate}\n${scope}\n${hash}`;
}

// Derived keys change once a day per region, while every part upload needs one: cache a few.
// Module-private and never logged; keyed by a digest so the Map holds no copy of the secret.
const KEY_CACHE_LIMIT = 16;
const keyCache = new Map<string, Buffer>();

function hmac(key: string | Buffer, msg: string): Buffer {
  return createHmac('sha256', key).update(msg, 'utf8').digest();
}

/** The signing key: an HMAC chain over day, region, product and `aliyun_v4_request`. */
export function v4SigningKey(secret: string, day: string, region: string, product = 'oss'): Buffer {
  const id = createHash('sha256')
    .update(JSON.stringify([secret, day, region, product]))
    .digest('hex');
  const cached = keyCache.get(id);
  if (cached) return cached;
  const k1 = hmac(`aliyun_v4${secret}`, day);
  const key = hmac(hmac(hmac(k1, region), product), 'aliyun_v4_request');
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(id, key);
  return key;
}

export function v4Signature(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Sign `req` in place with V4 header auth: sets `x-oss-date`, `x-oss-content-sha256` (unless
 * present), the STS token, then `authorization`. `region` may carry the `oss-` prefix.
 */
export function signV4(
  req: SignableRequest,
  creds: Credentials,
  now: Date,
  region: string,
  additionalHeaders: readonly string[] = [],
): { canonicalRequest: string; stringToSign: string } {
  const signRegion = v4Region(region);
  const isoDate = formatIso8601Basic(now);
  const day = isoDate.slice(0, 8);
  req.headers['x-oss-date'] = isoDate;
  req.headers['x-oss-content-sha256'] ??= UNSIGNED_PAYLOAD;
  if (creds.securityToken) req.headers['x-oss-security-token'] = creds.securityToken;
  else delete req.headers['x-oss-security-token'];

  const additional = v4AdditionalHeaders(req, additionalHeaders);
  const canonicalRequest = v4CanonicalRequest(req, additional);
  const scope = v4Scope(day, signRegion);
  const stringToSign = v4StringToSign(canonicalRequest, isoDate, scope);
  const signature = v4Signature(v4SigningKey(creds.accessKeySecret, day, signRegion), stringToSign);
  const extra = additional.length > 0 ? `AdditionalHeaders=${additional.join(';')},` : '';
  req.headers['authorization'] =
    `${V4_ALGORITHM} Credential=${creds.accessKeyId}/${scope},${extra}Signature=${signature}`;
  return { canonicalRequest, stringToSign };
}
