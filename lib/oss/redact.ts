import { OssResponseError } from '../errors.ts';

const MASK = '<redacted>';

/** The forms in which a server may echo a secret: as is, percent-encoded, base64, hex. */
function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  const forms = [
    secret,
    encodeURIComponent(secret),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    hex,
    hex.toUpperCase(),
    // OSS's StringToSignBytes lists the bytes as spaced upper-case hex pairs.
    hex.toUpperCase().replace(/(..)(?!$)/g, '$1 '),
    hex.replace(/(..)(?!$)/g, '$1 '),
  ];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** Replaces every form of the given secrets in a text. Built once per set of credentials. */
export class Redactor {
  readonly #forms: string[];

  constructor(secrets: readonly (string | undefined)[]) {
    // A value of a few characters would mask ordinary words; real secrets and tokens are
    // tens of characters long.
    this.#forms = secrets.filter((s): s is string => !!s && s.length >= 6).flatMap(formsOf);
  }

  text(value: string): string {
    let out = value;
    for (const form of this.#forms) if (out.includes(form)) out = out.replaceAll(form, MASK);
    return out;
  }

  /** The same error with every text field redacted; other errors are returned as they are. */
  error(error: unknown): unknown {
    if (!(error instanceof OssResponseError)) return error;
    const text = (v: string | undefined) => (v === undefined ? undefined : this.text(v));
    const extra: Record<string, string> = {};
    for (const [name, value] of Object.entries(error.extra)) extra[name] = this.text(value);
    const redacted = new OssResponseError({
      status: error.status,
      operation: error.operation,
      ossCode: text(error.ossCode),
      ossMessage: text(error.ossMessage),
      requestId: text(error.requestId),
      hostId: text(error.hostId),
      ec: text(error.ec),
      extra,
      serverDate: error.serverDate,
    });
    return redacted;
  }
}
