/** Command-line values turned into what the commands use; each names what it expected. */
import { InvalidArgumentError } from 'commander';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../parts/part-size.ts';
import { UsageError } from './exit-codes.ts';
import { formatBytes, parseDuration, parseSize } from './units.ts';

export function parsePartSize(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined)
    throw new InvalidArgumentError('Expected a size such as 8MiB, 8MB or 8388608.');
  if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
    throw new InvalidArgumentError(
      `Must be between ${formatBytes(MIN_PART_SIZE)} and ${formatBytes(MAX_PART_SIZE)}.`,
    );
  }
  return bytes;
}

export function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 1000) {
    throw new InvalidArgumentError('Expected an integer from 1 to 1000.');
  }
  return n;
}

export function parseAge(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError('Expected an age such as 7d, 12h or 30m.');
  return ms;
}

export function collectMeta(text: string, previous: Record<string, string> | undefined) {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('Expected name=value.');
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

/** `k1=v1&k2=v2` (URL-encoded, as ossutil and the x-oss-tagging header write tags). */
export function parseTagging(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError('Expected key=value pairs joined by &.');
    try {
      tags[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      throw new InvalidArgumentError(`"${pair}" is not URL-encoded correctly.`);
    }
  }
  return tags;
}

export function parseResume(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('Expected an upload id or "latest".');
  return text.trim();
}

/** `oss://bucket/key`. A key ending in "/" (or none) takes the file's name, as `cp` would. */
export function parseOssUrl(text: string, sourceName?: string): { bucket: string; key: string } {
  const { bucket, path } = splitOssUrl(text);
  let key = path;
  if (key === '' || key.endsWith('/')) {
    if (!sourceName) {
      throw new UsageError(`"${text}" names no object key (standard input has no file name)`);
    }
    key += sourceName;
  }
  return { bucket, key };
}

/** `oss://bucket[/path]` → bucket and path (possibly empty). */
export function splitOssUrl(text: string): { bucket: string; path: string } {
  const match = /^oss:\/\/([^/]+)\/?(.*)$/s.exec(text);
  if (!match) throw new UsageError(`expected a location like oss://bucket/key, got "${text}"`);
  return { bucket: match[1] as string, path: match[2] as string };
}
