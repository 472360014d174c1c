/**
 * Byte helpers for signature verification. Everything here works on the bytes that crossed the
 * wire: Node hands header values over as latin1 strings (one char per byte), so
 * `Buffer.from(value, 'latin1')` gives back exactly what the client sent.
 */

/** The bytes of a header value as received. */
export function wireBytes(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

/**
 * Strip spaces and tabs at both ends. Not String.prototype.trim: on a latin1 view it would also
 * strip 0xA0, which is a UTF-8 continuation byte (the tail of `à` is C3 A0).
 */
export function trimBytes(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && (bytes[start] === 0x20 || bytes[start] === 0x09)) start++;
  while (end > start && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end--;
  return bytes.subarray(start, end);
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x5f ||
    b === 0x2e ||
    b === 0x7e
  );
}

const HEX = '0123456789ABCDEF';

/** V4 URI encoding: `A-Za-z0-9-_.~` stay (and `/` when asked), every other byte is `%XX`. */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash: boolean): Buffer {
  let out = '';
  for (const b of bytes) {
    if (isUnreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return Buffer.from(out, 'latin1');
}

/** `50 55 54 0A`: how OSS shows the bytes of a string to sign in SignatureDoesNotMatch. */
export function spacedHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => HEX[b >> 4]! + HEX[b & 15]!).join(' ');
}

/** Concatenate text (ASCII) and byte pieces. */
export function joinBytes(pieces: ReadonlyArray<string | Uint8Array>): Buffer {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}
