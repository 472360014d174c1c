/** Deterministic sources for the reliability specs, with hooks for client-side failures. */
import { Readable } from 'node:stream';

export interface SourceOptions {
  /** Bytes per chunk pushed (default 64 KiB). */
  chunkSize?: number;
  /** Called once, from read(), when at least this many bytes were pushed (0: on the first read). */
  at?: { offset: number; action: (source: Readable) => void } | undefined;
  /** Never push the end: the source goes quiet once `data` is delivered. */
  hangAtEnd?: boolean;
  /** Called when the last byte was pushed (before the end or the hang). */
  onDelivered?: (() => void) | undefined;
}

/** A Readable that pushes `data` (views, no copy) in fixed-size chunks. */
export function sourceOf(data: Buffer, options: SourceOptions = {}): Readable {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  let offset = 0;
  let fired = false;
  let delivered = false;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      if (!fired && options.at && offset >= options.at.offset) {
        fired = true;
        options.at.action(this);
        if (this.destroyed) return;
      }
      if (offset >= data.length) {
        if (!delivered) {
          delivered = true;
          options.onDelivered?.();
        }
        if (!options.hangAtEnd) this.push(null);
        return;
      }
      const end = Math.min(data.length, offset + chunkSize);
      const chunk = data.subarray(offset, end);
      offset = end;
      this.push(chunk);
    },
  });
}
