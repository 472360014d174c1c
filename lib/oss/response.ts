import { OssResponseError } from '../errors.ts';
import { parseXml, type XmlNode } from './xml.ts';

/** A whole (small) answer: its status, headers and buffered body. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** Fields of the OSS error body that have their own property on OssResponseError. */
const KNOWN_FIELDS = new Set(['Code', 'Message', 'RequestId', 'HostId', 'EC']);

function errorFromXml(xml: string | Buffer): XmlNode | undefined {
  try {
    const root = parseXml(xml).Error;
    return root !== undefined && typeof root === 'object' && !Array.isArray(root)
      ? root
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Build the error for a non-2xx response. The details come from the XML body, or for HEAD
 * (which has no body) from the base64 `x-oss-err` header; a bare status is the last resort.
 */
export function parseErrorResponse(
  operation: string,
  method: string,
  response: HttpResponse,
): OssResponseError {
  let node: XmlNode | undefined;
  if (response.body.length > 0) node = errorFromXml(response.body);
  const encoded = response.headers['x-oss-err'];
  if (!node && method === 'HEAD' && encoded) {
    node = errorFromXml(Buffer.from(encoded, 'base64'));
  }
  const text = (name: string) => {
    const value = node?.[name];
    return typeof value === 'string' ? value : undefined;
  };
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(node ?? {})) {
    if (KNOWN_FIELDS.has(name) || typeof value !== 'string') continue;
    // The echoed string to sign holds the signed headers, x-oss-security-token among them.
    if (name === 'StringToSignBytes') continue;
    extra[name] = value.replace(/^(x-oss-security-token:).*$/gim, '$1<redacted>');
  }
  return new OssResponseError({
    status: response.status,
    operation,
    ossCode: text('Code'),
    ossMessage: text('Message'),
    requestId: text('RequestId') ?? response.headers['x-oss-request-id'],
    hostId: text('HostId'),
    ec: text('EC') ?? response.headers['x-oss-ec'],
    extra,
    serverDate: response.headers.date,
  });
}
