import { crc64CombineAll } from '../checksum/crc64.ts';
import { OssStreamError } from '../errors.ts';

/** What we know of one part: what we sent, and what the server acknowledged. */
export interface PartRecord {
  partNumber: number;
  size: number;
  /** Hex MD5 (uppercase) of the bytes we sent. */
  md5: string;
  crc64: bigint;
  /** ETag the server returned; undefined until acknowledged. */
  etag: string | undefined;
}

/**
 * The part ledger. Complete is only sent when it proves that parts 1..n are all present and
 * acknowledged: an upload that silently lost a part must fail, not produce a short object.
 */
export class PartLedger {
  readonly #parts = new Map<number, PartRecord>();

  record(part: Omit<PartRecord, 'etag'>): void {
    this.#parts.set(part.partNumber, { ...part, etag: undefined });
  }

  acknowledge(partNumber: number, etag: string): PartRecord {
    const part = this.#parts.get(partNumber);
    if (!part)
      throw new OssStreamError('ERR_OSS_UPLOAD_FAILED', `part ${partNumber} was never sent`);
    part.etag = etag;
    return part;
  }

  get size(): number {
    let total = 0;
    for (const part of this.#parts.values()) total += part.size;
    return total;
  }

  get count(): number {
    return this.#parts.size;
  }

  /** Parts in order, after checking numbers are contiguous from 1 and every ETag is known. */
  completeList(): PartRecord[] {
    const parts = [...this.#parts.values()].sort((a, b) => a.partNumber - b.partNumber);
    parts.forEach((part, index) => {
      if (part.partNumber !== index + 1) {
        throw new OssStreamError(
          'ERR_OSS_UPLOAD_FAILED',
          `part ledger is not contiguous: expected part ${index + 1}, found ${part.partNumber}`,
        );
      }
      if (!part.etag) {
        throw new OssStreamError(
          'ERR_OSS_UPLOAD_FAILED',
          `part ${part.partNumber} was never acknowledged`,
        );
      }
    });
    return parts;
  }

  /** CRC-64 of the whole object, folded from the part CRCs in part order. */
  objectCrc64(): bigint {
    return crc64CombineAll(this.completeList().map((p) => ({ crc: p.crc64, size: p.size })));
  }
}
