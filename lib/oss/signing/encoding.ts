/** Bytes kept as-is by both the key path encoding and V4 URI encoding (docs/signing.md). */
function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || // -
    b === 0x5f || // _
    b === 0x2e || // .
    b === 0x7e // ~
  );
}

const HEX = '0123456789ABCDEF';

/**
 * Byte-wise percent-encoding of the UTF-8 form of `s`: unreserved bytes stay, `/` stays when
 * `keepSlash`, everything else becomes `%XX` with uppercase hex (space is `%20`, never `+`).
 * Unlike encodeURIComponent this also encodes `! ' ( ) *`, which V4 requires.
 */
export function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (isUnreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** Encode a raw object key for the request path: UTF-8 bytes, `/` kept; the server decodes it. */
export function encodeKeyPath(key: string): string {
  return uriEncode(key, true);
}

/** RFC 1123 GMT date, e.g. `Wed, 28 Dec 2022 10:27:41 GMT` (Date / V1 x-oss-date). */
export function formatRfc1123(date: Date): string {
  // toUTCString is specified (ECMA-262) to produce exactly this form with a 2-digit day.
  return date.toUTCString();
}

/** ISO 8601 basic UTC, e.g. `20231216T162057Z` (V4 x-oss-date). */
export function formatIso8601Basic(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Sort comparator in UTF-8 byte order, as the Go and Python SDKs sort names (code-unit order differs only past U+FFFF). */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A header value as the server reads it: HTTP drops spaces and tabs around a field value and
 * nothing else. Not String.prototype.trim, which also drops U+00A0, U+3000, U+FEFF and other
 * Unicode spaces that do reach the server; signing without them would sign other bytes than
 * are sent.
 */
export function trimHeaderValue(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}
