import { timingSafeEqual } from 'node:crypto';
import type { SignableRequest } from './types.ts';
import { v1Signature, v1StringToSign } from './v1.ts';
import {
  V4_ALGORITHM,
  v4CanonicalRequest,
  v4Scope,
  v4Signature,
  v4SigningKey,
  v4StringToSign,
} from './v4.ts';

export type ParsedAuthorization =
  | { version: 'v1'; accessKeyId: string; signature: string }
  | {
      version: 'v4';
      accessKeyId: string;
      day: string;
      region: string;
      product: string;
      additionalHeaders: string[];
      signature: string;
    };

/**
 * Parse `OSS ak:sig` or `OSS4-HMAC-SHA256 Credential=…,AdditionalHeaders=…,Signature=…`.
 * V4 items may come in any order, separated by `,` or `, ` (SDKs and docs differ).
 * Returns undefined for anything malformed.
 */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  if (header.startsWith(`${V4_ALGORITHM} `)) return parseV4(header.slice(V4_ALGORITHM.length + 1));
  if (header.startsWith('OSS ')) {
    const rest = header.slice(4).trim();
    const colon = rest.lastIndexOf(':');
    if (colon <= 0 || colon === rest.length - 1) return undefined;
    return { version: 'v1', accessKeyId: rest.slice(0, colon), signature: rest.slice(colon + 1) };
  }
  return undefined;
}

function parseV4(rest: string): ParsedAuthorization | undefined {
  const items = new Map<string, string>();
  for (const item of rest.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) return undefined;
    items.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  const credential = items.get('Credential');
  const signature = items.get('Signature');
  if (!credential || !signature) return undefined;
  // ak/day/region/product/aliyun_v4_request — parse from the right in case the id has a `/`.
  const parts = credential.split('/');
  if (parts.length < 5 || parts[parts.length - 1] !== 'aliyun_v4_request') return undefined;
  const [day, region, product] = parts.slice(-4, -1) as [string, string, string];
  const accessKeyId = parts.slice(0, -4).join('/');
  if (!accessKeyId || !/^\d{8}$/.test(day) || !region || !product) return undefined;
  const extra = items.get('AdditionalHeaders') ?? '';
  const additionalHeaders = extra === '' ? [] : extra.split(';').map((h) => h.trim().toLowerCase());
  return { version: 'v4', accessKeyId, day, region, product, additionalHeaders, signature };
}

/**
 * Recompute the signature a client should have sent, from the request as received (decoded
 * key and query, lower-case headers). The caller checks clock skew and scope separately.
 */
export function expectedSignature(
  parsed: ParsedAuthorization,
  req: SignableRequest,
  secret: string,
): { signature: string; stringToSign: string } {
  if (parsed.version === 'v1') {
    const stringToSign = v1StringToSign(req);
    return { signature: v1Signature(stringToSign, secret), stringToSign };
  }
  const canonicalRequest = v4CanonicalRequest(req, parsed.additionalHeaders);
  const scope = v4Scope(parsed.day, parsed.region, parsed.product);
  const stringToSign = v4StringToSign(canonicalRequest, req.headers['x-oss-date'] ?? '', scope);
  const key = v4SigningKey(secret, parsed.day, parsed.region, parsed.product);
  return { signature: v4Signature(key, stringToSign), stringToSign };
}

/** Constant-time comparison; length differences return false without throwing. */
export function signaturesMatch(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
