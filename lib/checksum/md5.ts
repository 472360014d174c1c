/**
 * MD5 helpers for OSS (docs/checksums.md): `Content-MD5` is the
 * base64 of the 16 raw digest bytes; ETags are uppercase hex in double quotes.
 */
import { createHash } from 'node:crypto';

const HEX32 = /^[0-9A-Fa-f]{32}$/;
/** Canonical base64 of exactly 16 bytes: 21 full chars, one char whose low 4 bits are 0, "==". */
const B64_16 = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

function md5(data: Uint8Array | string): Buffer {
  return createHash('md5').update(data).digest();
}

/** Base64 of the MD5 digest (the `Content-MD5` header value). Strings hash as UTF-8. */
export function md5Base64(data: Uint8Array | string): string {
  return md5(data).toString('base64');
}

/** Uppercase hex of the MD5 digest (as in OSS ETags, without quotes). Strings hash as UTF-8. */
export function md5Hex(data: Uint8Array | string): string {
  return md5(data).toString('hex').toUpperCase();
}

/**
 * MD5 hex (uppercase) from an ETag such as `"BCE8F3D48247C5D555BB5697BF277B35"`.
 * Surrounding double quotes are optional. Returns undefined when the ETag is
 * not a plain 32-hex-digit MD5 (e.g. a multipart ETag `"…-3"`).
 */
export function etagToMd5Hex(etag: string): string | undefined {
  if (typeof etag !== 'string') return undefined;
  const bare =
    etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
  return HEX32.test(bare) ? bare.toUpperCase() : undefined;
}

/** 32 hex digits (either case) → base64 of the 16 bytes. Throws RangeError on anything else. */
export function md5HexToBase64(hex: string): string {
  if (typeof hex !== 'string' || !HEX32.test(hex)) {
    throw new RangeError(`not a 32-digit hex MD5: ${JSON.stringify(hex)}`);
  }
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * Base64 of a 16-byte MD5 (e.g. a received `Content-MD5`) → uppercase hex.
 * Strict: canonical padded base64 of exactly 16 bytes, else undefined.
 */
export function base64ToMd5Hex(b64: string): string | undefined {
  if (typeof b64 !== 'string' || !B64_16.test(b64)) return undefined;
  return Buffer.from(b64, 'base64').toString('hex').toUpperCase();
}
