/**
 * Worker side of the hash pool: keeps one MD5 + CRC-64 state per part and updates it with
 * segments that live in SharedArrayBuffers, so no byte is copied between threads.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { Crc64 } from './crc64.ts';

export type HashRequest =
  | { type: 'update'; id: number; data: Uint8Array }
  | { type: 'finish'; id: number }
  | { type: 'discard'; id: number };

export type HashReply = { id: number; md5: Uint8Array; crc64: bigint };

const states = new Map<number, { md5: Hash; crc: Crc64 }>();

parentPort?.on('message', (message: HashRequest) => {
  if (message.type === 'discard') {
    states.delete(message.id);
    return;
  }
  let state = states.get(message.id);
  if (!state) {
    state = { md5: createHash('md5'), crc: new Crc64() };
    states.set(message.id, state);
  }
  if (message.type === 'update') {
    state.md5.update(message.data);
    state.crc.update(message.data);
    return;
  }
  states.delete(message.id);
  const reply: HashReply = { id: message.id, md5: state.md5.digest(), crc64: state.crc.digest() };
  parentPort?.postMessage(reply);
});
