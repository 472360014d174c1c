/**
 * Worker side of the hash pool: one MD5 + CRC-64 state per part. Segments arrive transferred
 * (moved, not copied) and are moved back with the digest, so no memory is shared or pinned here.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { Crc64 } from './crc64.ts';

/** A segment in flight between threads: its whole ArrayBuffer and the length in use. */
export interface SegmentMessage {
  buffer: ArrayBuffer;
  length: number;
}

export type HashRequest =
  | { type: 'update'; id: number; segment: SegmentMessage }
  | { type: 'finish'; id: number }
  | { type: 'discard'; id: number };

export type HashReply = { id: number; md5: Uint8Array; crc64: bigint; segments: SegmentMessage[] };

interface PartState {
  md5: Hash;
  crc: Crc64;
  segments: SegmentMessage[];
}

const states = new Map<number, PartState>();

parentPort?.on('message', (message: HashRequest) => {
  if (message.type === 'discard') {
    states.delete(message.id);
    return;
  }
  let state = states.get(message.id);
  if (!state) {
    state = { md5: createHash('md5'), crc: new Crc64(), segments: [] };
    states.set(message.id, state);
  }
  if (message.type === 'update') {
    const { buffer, length } = message.segment;
    const view = new Uint8Array(buffer, 0, length);
    state.md5.update(view);
    state.crc.update(view);
    state.segments.push(message.segment);
    return;
  }
  states.delete(message.id);
  const reply: HashReply = {
    id: message.id,
    md5: state.md5.digest(),
    crc64: state.crc.digest(),
    segments: state.segments,
  };
  parentPort?.postMessage(
    reply,
    state.segments.map((s) => s.buffer),
  );
});
