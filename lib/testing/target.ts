import type { IncomingMessage } from 'node:http';

/**
 * What a request addresses. The path is parsed by hand: WHATWG URL parsing would remove `.` and
 * `..` segments (even `%2e%2e`), but OSS keys may legitimately contain them.
 */
export interface Target {
  /** Undefined for service-level requests (`/` with no bucket host). */
  bucket: string | undefined;
  /** Decoded key; '' for bucket-level requests; undefined when the bytes are not UTF-8. */
  key: string | undefined;
  keyBytes: number;
  /** The key as percent-decoded path bytes: what signatures cover. */
  keyRaw: Buffer;
  query: Record<string, string>;
  /** Every query parameter as percent-decoded bytes, in arrival order (for signatures). */
  queryRaw: Array<{ name: Buffer; value: Buffer }>;
  virtualHosted: boolean;
  /** Host header as sent (HostId in errors, Location in Complete). */
  host: string;
}

// ignoreBOM: a key may start with U+FEFF, which a default TextDecoder would silently drop.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { ignoreBOM: true });

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Percent-decode to bytes. A stray `%` stays literal; `+` stays `+` (OSS never means space).
 * `text` is the request line as Node gives it: one char per received byte.
 */
export function percentDecode(text: string): Buffer {
  const raw = Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1]!);
      const lo = hexValue(raw[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

function decodeComponent(text: string): string {
  return utf8Lenient.decode(percentDecode(text));
}

/** Query pieces `name=value` are split at `&`, then at the first `=`; both halves decoded. */
export function parseQueryRaw(raw: string): Array<{ name: Buffer; value: Buffer }> {
  const pairs: Array<{ name: Buffer; value: Buffer }> = [];
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    pairs.push({
      name: percentDecode(eq < 0 ? piece : piece.slice(0, eq)),
      value: eq < 0 ? Buffer.alloc(0) : percentDecode(piece.slice(eq + 1)),
    });
  }
  return pairs;
}

/** The query as decoded text; the first of repeated names wins. */
export function parseQuery(raw: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const { name, value } of parseQueryRaw(raw)) {
    const text = utf8Lenient.decode(name);
    if (!(text in query)) query[text] = utf8Lenient.decode(value);
  }
  return query;
}

function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return (colon >= 0 ? host.slice(0, colon) : host).toLowerCase();
}

/** ali-oss sends `Host: <bucket>.oss-<region>.aliyuncs.com` when its endpoint is an IP literal. */
const OSS_HOST = /^([^.]+)\.oss-[a-z0-9-]+\.aliyuncs\.com$/;

/** The bucket named by a virtual-hosted Host header, or undefined for path style. */
export function bucketFromHost(host: string, baseHost: string): string | undefined {
  const name = hostWithoutPort(host);
  const suffix = `.${baseHost.toLowerCase()}`;
  if (name.endsWith(suffix) && name.length > suffix.length) {
    return name.slice(0, -suffix.length);
  }
  return OSS_HOST.exec(name)?.[1];
}

export function parseTarget(req: IncomingMessage, baseHost: string): Target {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const host = req.headers.host ?? '';
  // Absolute-form request targets (proxies) carry scheme and authority: keep only the path.
  if (/^https?:\/\//i.test(path)) {
    const slash = path.indexOf('/', path.indexOf('//') + 2);
    path = slash < 0 ? '/' : path.slice(slash);
  }
  if (!path.startsWith('/')) path = `/${path}`;

  let bucket = bucketFromHost(host, baseHost);
  const virtualHosted = bucket !== undefined;
  let rawKey: string;
  if (virtualHosted) {
    rawKey = path.slice(1);
  } else {
    const rest = path.slice(1);
    const slash = rest.indexOf('/');
    const rawBucket = slash < 0 ? rest : rest.slice(0, slash);
    bucket = rawBucket === '' ? undefined : decodeComponent(rawBucket);
    rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  }
  const bytes = percentDecode(rawKey);
  let key: string | undefined;
  try {
    key = utf8Strict.decode(bytes);
  } catch {
    key = undefined;
  }
  return {
    bucket,
    key,
    keyBytes: bytes.length,
    keyRaw: bytes,
    query: parseQuery(rawQuery),
    queryRaw: parseQueryRaw(rawQuery),
    virtualHosted,
    host,
  };
}

/** Lower-cased request headers; repeated headers joined with `,` (as V1 canonicalisation expects). */
export function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}
