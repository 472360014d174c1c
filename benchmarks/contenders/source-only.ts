/**
 * The generated source into Writables that drop everything, `uploads` of them at once: what
 * producing the bytes costs in CPU, and in memory (dead chunks waiting for the garbage
 * collector). The control for every contender's figures, which include the same source.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { keysOf } from '../shared/contender-config.ts';
import { contender } from '../shared/contender-main.ts';
import { generatedSource } from '../shared/generated-source.ts';

await contender('source only (no upload)', async (config) => {
  return async () => {
    let received = 0;
    await Promise.all(
      keysOf(config).map((_, i) => {
        const drop = new Writable({
          write(chunk: Buffer, _encoding, callback) {
            received += chunk.length;
            callback();
          },
        });
        return pipeline(generatedSource(config.bytes, config.chunkSize, i + 1), drop);
      }),
    );
    return { verified: received === config.bytes * keysOf(config).length };
  };
});
