/** Parsing of the two header forms of `Authorization` that OSS accepts. */

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';

export type Authorization =
  | { version: 'v1'; accessKeyId: string; signature: string }
  | {
      version: 'v4';
      accessKeyId: string;
      day: string;
      region: string;
      product: string;
      /** Lower-case names as listed by the client (normalised by the verifier). */
      additionalHeaders: string[];
      signature: string;
    };

/**
 * `OSS <id>:<signature>` (V1) or `OSS4-HMAC-SHA256 Credential=<id>/<day>/<region>/<product>/
 * aliyun_v4_request,AdditionalHeaders=<a;b>,Signature=<hex>` (V4). The V4 items come in any order
 * and separated by `,` or `, ` depending on the SDK. `header` is the received latin1 string; the
 * access key id is read as UTF-8. Undefined for anything malformed.
 */
export function parseAuthorization(header: string): Authorization | undefined {
  const text = Buffer.from(header, 'latin1').toString('utf8');
  if (text.startsWith(`${V4_ALGORITHM} `)) return parseV4(text.slice(V4_ALGORITHM.length + 1));
  if (!text.startsWith('OSS ')) return undefined;
  const rest = text.slice(4).trim();
  const colon = rest.lastIndexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  return { version: 'v1', accessKeyId: rest.slice(0, colon), signature: rest.slice(colon + 1) };
}

function parseV4(rest: string): Authorization | undefined {
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
  // Read the scope from the right: an access key id could itself contain `/`.
  const pieces = credential.split('/');
  if (pieces.length < 5 || pieces.at(-1) !== 'aliyun_v4_request') return undefined;
  const [day, region, product] = pieces.slice(-4, -1) as [string, string, string];
  const accessKeyId = pieces.slice(0, -4).join('/');
  if (!accessKeyId || !/^\d{8}$/.test(day) || !region || !product) return undefined;
  const listed = items.get('AdditionalHeaders') ?? '';
  const additionalHeaders =
    listed === '' ? [] : listed.split(';').map((name) => name.trim().toLowerCase());
  return { version: 'v4', accessKeyId, day, region, product, additionalHeaders, signature };
}
