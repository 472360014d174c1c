/**
 * The two dialects the benchmark sink speaks: which one a request uses, where its bucket and key
 * are, and the XML shapes of the answers.
 */
import type http from 'node:http';
import { isIP } from 'node:net';

export type Dialect = 'oss' | 's3';

export const S3_NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function xml(dialect: Dialect, root: string, fields: Record<string, string>): string {
  const ns = dialect === 's3' ? S3_NS : '';
  const body = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${body}</${root}>`;
}

export function dialectOf(req: http.IncomingMessage): Dialect {
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('AWS4-HMAC-SHA256') || auth.startsWith('AWS ')) return 's3';
  for (const name of Object.keys(req.headers)) if (name.startsWith('x-amz-')) return 's3';
  return 'oss';
}

/** Bucket and key of a request, path style or virtual-hosted style. */
export function locate(req: http.IncomingMessage, url: URL): { bucket: string; key: string } {
  const path = url.pathname;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const pathStyle = host === '' || host === 'localhost' || isIP(host) !== 0;
  if (pathStyle) {
    const slash = path.indexOf('/', 1);
    if (slash < 0) return { bucket: decodeURIComponent(path.slice(1)), key: '' };
    return {
      bucket: decodeURIComponent(path.slice(1, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
    };
  }
  return { bucket: host.split('.')[0] ?? '', key: decodeURIComponent(path.slice(1)) };
}
