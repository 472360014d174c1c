/**
 * Secret scanning: every way an error or an event payload may be turned into text (message,
 * String(), util.inspect with depth, JSON.stringify, stack) is searched for the access key
 * secrets and security tokens in play.
 */
import { inspect } from 'node:util';

/** Every textual rendering of a value that a user's logger might produce. */
export function renderings(value: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number) => {
    if (v === null || v === undefined || seen.has(v) || depth > 10) return;
    if (typeof v === 'object') seen.add(v);
    try {
      out.push(String(v));
    } catch {
      // objects without toString
    }
    out.push(inspect(v, { depth: 10, showHidden: true, getters: true }));
    try {
      out.push(JSON.stringify(v, (_key, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? '');
    } catch {
      // circular structures: inspect above already covered them
    }
    if (v instanceof Error) {
      out.push(v.message, v.stack ?? '');
      // Own enumerable and non-enumerable properties, then the cause chain.
      for (const name of Object.getOwnPropertyNames(v)) {
        const prop: unknown = (v as unknown as Record<string, unknown>)[name];
        if (prop !== v && typeof prop !== 'function') visit(prop, depth + 1);
      }
      if ('cause' in v) visit(v.cause, depth + 1);
      if (v instanceof AggregateError) for (const e of v.errors) visit(e, depth + 1);
    }
  };
  visit(value, 0);
  return out;
}

/**
 * The forms a secret may take in text: as is, percent-encoded, base64, and hex — plain, and
 * spaced upper-case as in OSS's `StringToSignBytes` error field.
 */
export function encodings(secret: string): { form: string; text: string }[] {
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  const forms = [
    { form: 'raw', text: secret },
    { form: 'url', text: encodeURIComponent(secret) },
    { form: 'base64', text: bytes.toString('base64').replace(/=+$/, '') },
    { form: 'hex', text: hex },
    { form: 'HEX', text: hex.toUpperCase() },
    { form: 'spaced hex', text: hex.toUpperCase().replace(/(..)(?!$)/g, '$1 ') },
  ];
  return forms.filter((f, i) => forms.findIndex((g) => g.text === f.text) === i);
}

/** The secrets (and where, in which form) that appear in any rendering of any of the values. */
export function findSecrets(
  values: readonly unknown[],
  secrets: readonly string[],
): { secret: string; form: string; rendering: string }[] {
  const hits: { secret: string; form: string; rendering: string }[] = [];
  const forms = secrets.filter(Boolean).map((secret) => ({ secret, forms: encodings(secret) }));
  for (const value of values) {
    for (const text of renderings(value)) {
      for (const { secret, forms: variants } of forms) {
        for (const { form, text: needle } of variants) {
          const at = text.indexOf(needle);
          if (at < 0) continue;
          hits.push({
            secret: `${secret.slice(0, 3)}…(${secret.length} chars)`,
            form,
            rendering: text.slice(Math.max(0, at - 120), at),
          });
        }
      }
    }
  }
  return hits;
}
