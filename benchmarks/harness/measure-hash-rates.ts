/**
 * Single-core hashing throughput of MD5 (node:crypto) and CRC-64/ECMA (lib/checksum/crc64).
 *
 * One buffer of random bytes is hashed once to warm up, then `rounds` times
 * per algorithm; the rate is bytes / median time, in MB/s (10^6 bytes per second).
 */
import { createHash, randomFillSync } from 'node:crypto';
import { crc64 } from '../../lib/checksum/crc64.ts';

export interface HashRateOptions {
  /** Buffer size in bytes (default 64 MiB). */
  bytes?: number;
  /** Timed rounds per algorithm; the median is reported (default 3). */
  rounds?: number;
}

export interface HashRates {
  md5MBps: number;
  crc64MBps: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rateMBps(data: Uint8Array, rounds: number, hash: (d: Uint8Array) => unknown): number {
  hash(data); // warm-up (JIT, page faults)
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    hash(data);
    times.push(performance.now() - t0);
  }
  const seconds = Math.max(median(times), 1e-6) / 1000;
  return Math.round((data.length / 1e6 / seconds) * 10) / 10;
}

export async function measureHashRates(options: HashRateOptions = {}): Promise<HashRates> {
  const bytes = options.bytes ?? 64 * 1024 * 1024;
  const rounds = options.rounds ?? 3;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`bad bytes: ${bytes}`);
  if (!Number.isSafeInteger(rounds) || rounds <= 0) throw new RangeError(`bad rounds: ${rounds}`);
  const data = new Uint8Array(bytes);
  for (let off = 0; off < bytes; off += 65536)
    randomFillSync(data, off, Math.min(65536, bytes - off));
  const md5MBps = rateMBps(data, rounds, (d) => createHash('md5').update(d).digest());
  const crc64MBps = rateMBps(data, rounds, (d) => crc64(d));
  return { md5MBps, crc64MBps };
}
