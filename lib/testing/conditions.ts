import { preconditionFailed } from './errors.ts';

/** What a conditional read gets: the object, or 304 Not Modified. (412 is thrown.) */
export type ConditionOutcome = 'proceed' | 'not-modified';

/** `"A", "B"` or `*` → the listed tags without quotes or weak prefixes, upper-cased. */
function tagList(header: string): string[] {
  return header
    .split(',')
    .map((tag) =>
      tag
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1')
        .toUpperCase(),
    )
    .filter((tag) => tag !== '');
}

function matches(header: string, etag: string): boolean {
  const tags = tagList(header);
  return tags.includes('*') || tags.includes(etag.toUpperCase());
}

/** An HTTP date in ms, or undefined when it does not parse (OSS then ignores the header). */
function httpDate(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Evaluate the conditional headers of a GET or HEAD against an existing object, in the order of
 * RFC 9110 section 13.2.2: If-Match (else If-Unmodified-Since) can fail with 412 and is decided
 * first; then If-None-Match (else If-Modified-Since) can answer 304. Last-Modified has whole
 * seconds on the wire, so dates are compared at that precision.
 */
export function evaluateConditions(
  headers: Record<string, string>,
  object: { etag: string; lastModified: Date },
): ConditionOutcome {
  const modified = Math.floor(object.lastModified.getTime() / 1000) * 1000;
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  } else {
    const since = httpDate(headers['if-unmodified-since']);
    if (since !== undefined && modified > since) throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch, object.etag)) return 'not-modified';
  } else {
    const since = httpDate(headers['if-modified-since']);
    if (since !== undefined && modified <= since) return 'not-modified';
  }
  return 'proceed';
}
