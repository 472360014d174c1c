import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * `size` bytes that never repeat (an AES-128-CTR keystream, ~1.5 GB/s), derived from `seed`,
 * produced chunk by chunk: nothing holds the whole payload. The Readable does not know its
 * length in any way the upload could see, as with a pipe or a socket.
 */
export function generatedPayload(
  size: number,
  seed = 'oss-multipart-stream',
  chunkSize = 64 * 1024,
): Readable {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  let produced = 0;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      const n = Math.min(chunkSize, size - produced);
      if (n <= 0) {
        this.push(null);
        return;
      }
      produced += n;
      this.push(cipher.update(n === chunkSize ? zeros : zeros.subarray(0, n)));
    },
  });
}
