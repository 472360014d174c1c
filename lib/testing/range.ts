export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * Single ranges `bytes=a-b`, `bytes=a-`, `bytes=-n` (`end` inclusive). By default OSS
 * answers any range it cannot honour exactly with the whole object (200, no Content-Range);
 * with `x-oss-range-behavior: standard` an end past the size is clipped and a start past the
 * size gives 416. Malformed headers are ignored either way.
 */
export function resolveRange(
  header: string | undefined,
  size: number,
  standard: boolean,
): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  const invalid: RangeResult = standard ? { kind: 'unsatisfiable' } : { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return invalid;
    if (suffix > size) return standard ? { kind: 'partial', start: 0, end: size - 1 } : invalid;
    return { kind: 'partial', start: size - suffix, end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'full' };
  if (start >= size) return invalid;
  if (m[2] === '') return { kind: 'partial', start, end: size - 1 };
  const end = Number(m[2]);
  if (end >= size) return standard ? { kind: 'partial', start, end: size - 1 } : invalid;
  return { kind: 'partial', start, end };
}
