/** Byte sizes and durations as people type and read them. */

const FACTORS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * `8388608`, `8MiB`, `8MB`, `8M`, `8mb`, `1.5GiB`, `512KiB`. Every unit is binary: `MB`, `MiB`
 * and `M` all mean 1048576 bytes, as `aws s3 cp` reads its chunk sizes (and ossutil its part
 * sizes), so a size copied from either tool means the same here. Returns undefined when `text`
 * is not a size, so callers can name the option in their message.
 */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])i?b?|(b))?\s*$/i.exec(text);
  if (!match) return undefined;
  const [, number, unit, byte] = match;
  const factor = FACTORS[(unit ?? byte ?? '').toLowerCase()] as number;
  const bytes = Math.round(Number(number) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `7d`, `12h`, `30m`, `45s`, `2w` → milliseconds; undefined if not a duration (a bare number
 * is refused: seconds or days would both be a plausible reading). */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!match) return undefined;
  const ms = Math.round(
    Number(match[1]) * (DURATION_UNITS[(match[2] as string).toLowerCase()] as number),
  );
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 536870912 → "512.0 MiB"; bytes below 1 KiB stay exact. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** Seconds → "0:07", "12:34", "1:02:03". */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Milliseconds → "850 ms" or "12.3 s". */
export function formatElapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
