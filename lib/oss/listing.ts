/**
 * Following the pages of a listing without trusting the server to end it: every page must
 * name a new marker, and the number of pages is bounded. A server that keeps saying
 * IsTruncated gets an OssResponseError naming what went wrong instead of an endless loop.
 */
import { OssResponseError } from '../errors.ts';
import { MAX_PARTS } from '../limits.ts';

/** Default bound on pages: 10 000 pages of ListMultipartUploads hold up to 10 million uploads. */
export const DEFAULT_MAX_PAGES = 10_000;

export interface PageResult<T, M> {
  items: T[];
  truncated: boolean;
  /** The marker to ask for the next page with; undefined when the server named none. */
  next: M | undefined;
}

export async function collectPages<T, M>(
  operation: string,
  first: M,
  fetchPage: (marker: M) => Promise<PageResult<T, M>>,
  options: {
    maxPages: number;
    same: (a: M, b: M) => boolean;
    valid?: (next: M, previous: M) => boolean;
  },
): Promise<T[]> {
  const items: T[] = [];
  const seen: M[] = [first];
  let marker = first;
  for (let page = 1; ; page++) {
    const result = await fetchPage(marker);
    items.push(...result.items);
    if (!result.truncated) return items;
    const fail = (why: string) =>
      new OssResponseError({ status: 200, operation, ossMessage: `listing stopped: ${why}` });
    const next = result.next;
    if (next === undefined) throw fail('a truncated page names no next marker');
    if (seen.some((m) => options.same(m, next))) {
      throw fail('the server repeated a marker it had already given');
    }
    if (options.valid && !options.valid(next, marker))
      throw fail('the next marker is out of range');
    if (page >= options.maxPages) throw fail(`still truncated after ${page} pages`);
    // Only the last few markers are kept: a cycle longer than this still ends at maxPages.
    seen.push(next);
    if (seen.length > 16) seen.shift();
    marker = next;
  }
}

/**
 * A part-number marker must grow, and a truncated page cannot end at the last part number
 * that exists: nothing could follow it. So ListParts ends within MAX_PARTS pages by itself.
 */
export function validPartMarker(next: string, previous: string): boolean {
  const n = Number(next);
  return Number.isInteger(n) && n > Number(previous) && n < MAX_PARTS;
}
