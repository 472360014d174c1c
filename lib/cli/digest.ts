import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { Crc64 } from '../checksum/crc64.ts';

/** MD5, CRC-64/ECMA and length of bytes as they pass: the reference an upload is checked by. */
export class Digest {
  readonly #md5 = createHash('md5');
  readonly #crc = new Crc64();
  bytes = 0;

  update(chunk: Uint8Array): void {
    this.#md5.update(chunk);
    this.#crc.update(chunk);
    this.bytes += chunk.length;
  }

  /** Ends the MD5: call once, after the last update. */
  finish(): { md5: string; crc64: string; bytes: number } {
    return { md5: this.#md5.digest('hex'), crc64: this.#crc.digestDecimal(), bytes: this.bytes };
  }

  /** A pass-through that feeds this digest, for the middle of a pipeline. */
  tap(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.update(chunk);
        callback(null, chunk);
      },
    });
  }
}
