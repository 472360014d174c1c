/**
 * The transport limit: PutObject requests of `partSize` bytes with plain node:http, keep-alive,
 * `concurrency` at a time, from one preallocated buffer (no source, no hashing, no signing).
 */
import http from 'node:http';
import { contender } from '../shared/contender-main.ts';
import { rawPut as put } from '../shared/raw-put.ts';

await contender('node:http PUT (limit)', async (config) => {
  const partSize = config.partSize ?? 8 * 1024 * 1024;
  const concurrency = config.concurrency ?? 4;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = Buffer.alloc(partSize, 0x5a);
  const count = Math.ceil(config.bytes / partSize);
  const base = `${config.server.endpoint}/${config.bucket}/${config.key}`;
  await put(`${base}.warm-up`, body.subarray(0, 409_600), agent);
  return async () => {
    let next = 0;
    let ok = 0;
    let sent = 0;
    const worker = async () => {
      for (;;) {
        const index = next++;
        if (index >= count) return;
        const size = Math.min(partSize, config.bytes - index * partSize);
        const status = await put(`${base}-${index}`, body.subarray(0, size), agent);
        if (status === 200) ok++;
        sent += size;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    agent.destroy();
    return {
      verified: ok === count && sent === config.bytes,
      requests: count,
      partSize,
      concurrency,
    };
  };
});
