import type { SignableRequest } from '../oss/signing/types.ts';
import { v4CanonicalRequest } from '../oss/signing/v4.ts';
import { expectedSignature, parseAuthorization, signaturesMatch } from '../oss/signing/verify.ts';
import {
  accessDenied,
  invalidAccessKeyId,
  invalidSecurityToken,
  notImplemented,
  requestTimeTooSkewed,
  securityTokenExpired,
  signatureDoesNotMatch,
} from './errors.ts';
import type { EmulatorCredential } from './types.ts';

/** §4: requests more than 15 minutes away from the server clock are refused. */
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

function spacedHex(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) => b.toString(16).toUpperCase().padStart(2, '0'))
    .join(' ');
}

/**
 * §6.7 for the header forms: identify the key, recompute the signature from what was received,
 * then check the STS token and the clock. Throws the OSS error the real service would send.
 */
export function authenticate(req: SignableRequest, policy: AuthPolicy): void {
  const header = req.headers['authorization'];
  if (header === undefined) {
    if ('OSSAccessKeyId' in req.query || 'x-oss-signature-version' in req.query) {
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

  const expected = expectedSignature(parsed, req, entry.accessKeySecret);
  if (!signaturesMatch(expected.signature, parsed.signature)) {
    const extras: Record<string, string> = {
      OSSAccessKeyId: parsed.accessKeyId,
      SignatureProvided: parsed.signature,
      StringToSign: expected.stringToSign,
    };
    if (parsed.version === 'v1') {
      extras['StringToSignBytes'] = spacedHex(expected.stringToSign);
      throw signatureDoesNotMatch(extras, '0002-00000040');
    }
    extras['CanonicalRequest'] = v4CanonicalRequest(req, parsed.additionalHeaders);
    throw signatureDoesNotMatch(extras);
  }

  const token = req.headers['x-oss-security-token'];
  if (entry.securityToken !== undefined) {
    if (token === undefined) {
      throw accessDenied(
        'This AccessKeyId is temporary: send its x-oss-security-token.',
        '0002-00000003',
      );
    }
    if (!signaturesMatch(token, entry.securityToken)) {
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
