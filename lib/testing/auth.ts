import { timingSafeEqual } from 'node:crypto';
import {
  accessDenied,
  invalidAccessKeyId,
  invalidSecurityToken,
  notImplemented,
  requestTimeTooSkewed,
  securityTokenExpired,
  signatureDoesNotMatch,
} from './errors.ts';
import { parseAuthorization } from './signature/authorization.ts';
import { spacedHex, wireBytes } from './signature/bytes.ts';
import { v1Signature, v1StringToSign } from './signature/v1.ts';
import {
  effectiveAdditionalHeaders,
  v4CanonicalRequest,
  v4Scope,
  v4Signature,
  v4StringToSign,
} from './signature/v4.ts';
import type { WireRequest } from './signature/wire-request.ts';
import type { EmulatorCredential } from './types.ts';

/** OSS refuses requests whose time is more than 15 minutes away from its own clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export interface AuthPolicy {
  keys: ReadonlyMap<string, EmulatorCredential>;
  /** Bare V4 region id, e.g. 'cn-hangzhou'. */
  region: string;
  /** Server time in ms (Date.now() + clock offset). */
  now(): number;
}

/** `20231216T162057Z` → epoch ms, or NaN. */
export function parseIsoBasic(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/** Constant-time comparison of two byte strings; a length difference is just false. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Header-form authentication: identify the key, recompute the signature from the bytes that
 * were received, then check the STS token and the clock. Throws the error OSS would answer.
 */
export function authenticate(req: WireRequest, policy: AuthPolicy): void {
  const header = req.headers['authorization'];
  if (header === undefined) {
    const names = new Set(req.query.map((q) => q.name.toString('latin1')));
    if (names.has('OSSAccessKeyId') || names.has('x-oss-signature-version')) {
      throw notImplemented('Presigned URL authentication');
    }
    throw accessDenied('You have no right to access this object because of bucket acl.');
  }
  const parsed = parseAuthorization(header);
  if (!parsed) throw accessDenied('Authorization header is invalid.');
  const entry = policy.keys.get(parsed.accessKeyId);
  if (!entry) throw invalidAccessKeyId(parsed.accessKeyId);

  let requestTime: number;
  let requestTimeText: string;
  if (parsed.version === 'v4') {
    if (parsed.region !== policy.region || parsed.product !== 'oss') {
      throw accessDenied(
        `Invalid credential scope ${parsed.day}/${parsed.region}/${parsed.product}: this server signs for region ${policy.region}, product oss.`,
      );
    }
    requestTimeText = req.headers['x-oss-date'] ?? '';
    requestTime = parseIsoBasic(requestTimeText);
    if (Number.isNaN(requestTime)) {
      throw accessDenied('V4 requests need an x-oss-date header in the form YYYYMMDDTHHMMSSZ.');
    }
    if (requestTimeText.slice(0, 8) !== parsed.day) {
      throw accessDenied(
        `The credential date ${parsed.day} is not the day of x-oss-date ${requestTimeText}.`,
      );
    }
  } else {
    requestTimeText = req.headers['x-oss-date'] ?? req.headers['date'] ?? '';
    requestTime = Date.parse(requestTimeText);
    if (Number.isNaN(requestTime)) {
      throw accessDenied('The request needs a valid Date or x-oss-date header (RFC 1123).');
    }
  }

  if (parsed.version === 'v1') {
    const stringToSign = v1StringToSign(req);
    const expected = v1Signature(stringToSign, entry.accessKeySecret);
    if (!sameBytes(Buffer.from(expected), Buffer.from(parsed.signature))) {
      throw signatureDoesNotMatch(
        {
          OSSAccessKeyId: parsed.accessKeyId,
          SignatureProvided: parsed.signature,
          StringToSign: utf8.decode(stringToSign),
          StringToSignBytes: spacedHex(stringToSign),
        },
        '0002-00000040',
      );
    }
  } else {
    const additional = effectiveAdditionalHeaders(req, parsed.additionalHeaders);
    const canonicalRequest = v4CanonicalRequest(req, additional);
    const scope = v4Scope(parsed.day, parsed.region, parsed.product);
    const stringToSign = v4StringToSign(canonicalRequest, requestTimeText, scope);
    const expected = v4Signature(entry.accessKeySecret, parsed, stringToSign);
    if (!sameBytes(Buffer.from(expected), Buffer.from(parsed.signature))) {
      throw signatureDoesNotMatch({
        OSSAccessKeyId: parsed.accessKeyId,
        SignatureProvided: parsed.signature,
        StringToSign: utf8.decode(stringToSign),
        CanonicalRequest: utf8.decode(canonicalRequest),
      });
    }
  }

  const token = req.headers['x-oss-security-token'];
  if (entry.securityToken !== undefined) {
    if (token === undefined) {
      throw accessDenied(
        'This AccessKeyId is temporary: send its x-oss-security-token.',
        '0002-00000003',
      );
    }
    if (!sameBytes(wireBytes(token), Buffer.from(entry.securityToken, 'utf8'))) {
      throw invalidSecurityToken('The security token you provided is invalid.', '0002-00000006');
    }
  } else if (token !== undefined) {
    throw invalidSecurityToken(
      'A security token was sent for a permanent AccessKeyId.',
      '0002-00000008',
    );
  }

  const now = policy.now();
  if (entry.expiresAt !== undefined && entry.expiresAt.getTime() <= now)
    throw securityTokenExpired();

  if (Math.abs(now - requestTime) > MAX_SKEW_MS) {
    throw requestTimeTooSkewed(requestTimeText, new Date(now).toISOString());
  }
}
