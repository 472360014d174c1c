import type { ProgressEvent } from '../upload-events.ts';

/**
 * Bytes accepted from the source and bytes sent: acknowledged parts plus what each part has on
 * the wire now. A part's bytes on the wire only ever grow (a retried attempt restarting at 0
 * does not move them back), so `bytesUploaded` never decreases.
 */
export class ProgressMeter {
  readonly #total: number | undefined;
  readonly #onWire = new Map<number, number>();
  #written = 0;
  #acknowledged = 0;

  constructor(total: number | undefined) {
    this.#total = total;
  }

  get written(): number {
    return this.#written;
  }

  wrote(bytes: number): void {
    this.#written += bytes;
  }

  /** An attempt of part `partNumber` has handed `sent` bytes to the socket; true if that is news. */
  sent(partNumber: number, sent: number, size: number): boolean {
    const now = Math.min(sent, size);
    if (now <= (this.#onWire.get(partNumber) ?? 0)) return false;
    this.#onWire.set(partNumber, now);
    return true;
  }

  acknowledged(partNumber: number, size: number): void {
    this.#onWire.delete(partNumber);
    this.#acknowledged += size;
  }

  /** The object exists: everything written is uploaded. */
  completed(size: number): void {
    this.#onWire.clear();
    this.#acknowledged = size;
  }

  snapshot(): ProgressEvent {
    let onWire = 0;
    for (const bytes of this.#onWire.values()) onWire += bytes;
    const event: ProgressEvent = {
      bytesWritten: this.#written,
      bytesUploaded: this.#acknowledged + onWire,
    };
    if (this.#total !== undefined) event.total = this.#total;
    return event;
  }
}
