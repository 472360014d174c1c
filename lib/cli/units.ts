/** Byte sizes and durations as people type and read them. */

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/**
 * `8388608`, `8MiB`, `8M`, `8mb`, `1.5GiB`, `512KiB`. Bare and `i` units are binary (as curl,
 * dd and ossutil read them); `KB`/`MB`/`GB`/`TB` are decimal. Returns undefined when `text`
 * is not a size, so callers can name the option in their message.
 */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?)(b?)|(b))?\s*$/i.exec(text);
  if (!match) return undefined;
  const [, number, unit, i, b] = match;
  let factor = 1;
  if (unit) {
    const u = unit.toLowerCase();
    factor = b && !i ? (DECIMAL[u] as number) : (BINARY[u] as number);
  }
  const bytes = Math.round(Number(number) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
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
