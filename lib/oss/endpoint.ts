import { isIP } from 'node:net';
import { OssOptionError } from '../errors.ts';
import { encodeKeyPath } from './signing/encoding.ts';

/** A parsed service endpoint: scheme and authority, nothing else. */
export interface Endpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number | undefined;
  /** True when the host cannot take a bucket sub-domain (IP literal or localhost). */
  needsPathStyle: boolean;
}

/**
 * Parse `https://oss-cn-hangzhou.aliyuncs.com`, a bare host (HTTPS assumed), or
 * `http://127.0.0.1:9000` (plain HTTP only when asked for in the URL).
 */
export function parseEndpoint(value: unknown, option = 'endpoint'): Endpoint {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new OssOptionError(option, 'expected a non-empty URL or host name');
  }
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OssOptionError(option, `"${value}" is not a valid URL or host name`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OssOptionError(option, `protocol ${url.protocol} is not supported (use https:)`);
  }
  if (url.username || url.password) {
    throw new OssOptionError(option, 'must not contain credentials; use the credentials option');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new OssOptionError(option, 'must be a scheme and host only, without a path or query');
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    protocol: url.protocol,
    hostname,
    port: url.port ? Number(url.port) : undefined,
    needsPathStyle: isIP(hostname) !== 0 || hostname === 'localhost',
  };
}

/** Where one request goes: the origin to connect to, the Host header, and the raw path. */
export interface RequestTarget {
  origin: string;
  host: string;
  /** Percent-encoded path plus query, sent as is (never normalised by WHATWG URL). */
  path: string;
}

/** Encode a query record in a stable order; bare parameters (value '') have no '='. */
export function encodeQuery(query: Record<string, string>): string {
  const parts = Object.entries(query).map(([name, value]) =>
    value === ''
      ? encodeURIComponent(name)
      : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
  );
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function formatHost(hostname: string, port: number | undefined): string {
  const bracketed = isIP(hostname) === 6 ? `[${hostname}]` : hostname;
  return port === undefined ? bracketed : `${bracketed}:${port}`;
}

/**
 * Build the target of a request. Virtual-hosted style puts the bucket in the host name;
 * path style puts it first in the path. Either way the signature covers /bucket/key.
 */
export function buildTarget(
  endpoint: Endpoint,
  pathStyle: boolean,
  bucket: string | undefined,
  key: string | undefined,
  query: Record<string, string>,
): RequestTarget {
  const keyPath = key ? encodeKeyPath(key) : '';
  const search = encodeQuery(query);
  const connectHost = formatHost(endpoint.hostname, endpoint.port);
  if (bucket === undefined) {
    return {
      origin: `${endpoint.protocol}//${connectHost}`,
      host: connectHost,
      path: `/${search}`,
    };
  }
  if (pathStyle) {
    return {
      origin: `${endpoint.protocol}//${connectHost}`,
      host: connectHost,
      path: `/${bucket}/${keyPath}${search}`,
    };
  }
  const host = formatHost(`${bucket}.${endpoint.hostname}`, endpoint.port);
  return { origin: `${endpoint.protocol}//${host}`, host, path: `/${keyPath}${search}` };
}
