import { randomFillSync } from 'node:crypto';
import { Readable } from 'node:stream';

const BLOCK_SIZE = 1024 * 1024;

/** Chunks produced per turn of the event loop (1 MiB at the default chunk size). */
const CHUNKS_PER_TURN = 16;

/**
 * A Readable of `bytes` pseudo-random bytes of unknown length, in fresh `chunkSize` buffers
 * (as fs and sockets deliver them: a contender that keeps a chunk keeps its own memory). The
 * bytes are a random 1 MiB block read at a moving offset, with a counter stamped into each
 * chunk so no two chunks are equal. Like a file or a socket it yields to the event loop
 * (at most 16 chunks per turn, pushed from setImmediate), so timers and I/O run while it
 * flows; it respects backpressure. Deterministic for a seed.
 */
export function generatedSource(bytes: number, chunkSize = 64 * 1024, seed = 1): Readable {
  const block = Buffer.alloc(BLOCK_SIZE + chunkSize);
  randomFillSync(block);
  block.writeUInt32LE(seed >>> 0, 0);
  block.copy(block, BLOCK_SIZE, 0, chunkSize);
  let produced = 0;
  let counter = 0;
  let scheduled = false;
  const source: Readable = new Readable({
    highWaterMark: chunkSize,
    read() {
      if (scheduled) return;
      scheduled = true;
      setImmediate(produce);
    },
  });
  function produce(): void {
    scheduled = false;
    for (let i = 0; i < CHUNKS_PER_TURN; i++) {
      if (produced >= bytes) {
        source.push(null);
        return;
      }
      const size = Math.min(chunkSize, bytes - produced);
      const chunk = Buffer.allocUnsafe(size);
      const offset = (produced + counter * 7919) % BLOCK_SIZE;
      block.copy(chunk, 0, offset, offset + size);
      if (size >= 8) chunk.writeDoubleLE(counter, 0);
      counter++;
      produced += size;
      if (!source.push(chunk)) return;
    }
  }
  return source;
}
