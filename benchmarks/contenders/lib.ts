/**
 * This library: `pipeline(source, client.createUploadStream(key, options))` for each of
 * `uploads` simultaneous uploads through one client (the proxy case). Options left undefined
 * are the library's defaults; `options` passes upload options through (checkCrc64, hashing),
 * `clientOptions` client options (memoryLimit). The source is the generated stream, or
 * `fs.createReadStream(config.file)` when a file is given (the same bytes ali-oss
 * multipartUpload reads). The library is loaded from `config.libDir` (compiled JavaScript, as
 * published) when given, else from lib/*.ts.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { OssClient, UploadOptions, UploadStream } from '../../lib/index.ts';
import { keysOf, WARM_UP_BYTES, warmUpKey } from '../shared/contender-config.ts';
import { contender } from '../shared/contender-main.ts';
import { generatedSource } from '../shared/generated-source.ts';

/** The client's budget figures, when the client reports them (client.stats()). */
interface BudgetStats {
  bytesHeld?: number;
  peakBytesHeld?: number;
  memoryLimit?: number;
}

await contender('oss-multipart-stream', async (config) => {
  const entry = config.libDir
    ? pathToFileURL(`${config.libDir}/index.js`).href
    : new URL('../../lib/index.ts', import.meta.url).href;
  const library = (await import(entry)) as { OssClient: typeof OssClient };
  const client = new library.OssClient({
    endpoint: config.server.endpoint,
    bucket: config.bucket,
    region: config.server.region,
    credentials: config.server.credentials,
    ...config.clientOptions,
  });
  const stats = () =>
    (client as unknown as { stats?: () => BudgetStats }).stats?.call(client) ?? {};
  const options: UploadOptions = { ...(config.options as UploadOptions | undefined) };
  if (config.partSize !== undefined) options.partSize = config.partSize;
  if (config.concurrency !== undefined) options.concurrency = config.concurrency;
  const keys = keysOf(config);
  // Four 100 KiB parts: starts the hash workers (round robin) and warms the connections.
  await client.upload(warmUpKey(config), generatedSource(WARM_UP_BYTES, config.chunkSize, 99), {
    partSize: WARM_UP_BYTES / 4,
    concurrency: 4,
  });
  return async () => {
    const streams: UploadStream[] = [];
    await Promise.all(
      keys.map((key, i) => {
        const stream = client.createUploadStream(key, options);
        streams.push(stream);
        const source = config.file
          ? createReadStream(config.file, { highWaterMark: 1024 * 1024 })
          : generatedSource(config.bytes, config.chunkSize, i + 1);
        return pipeline(source, stream);
      }),
    );
    const budget = stats();
    await client.close();
    return {
      partCount: streams[0]?.result?.partCount,
      // What the streams themselves held at most (part buffers), summed over the uploads.
      maxBufferedBytes: streams.reduce((sum, s) => sum + s.maxBufferedBytes, 0),
      // The client's own accounting of part data held by all its uploads at once (the warm-up
      // upload included, which holds less than any timed one).
      peakBytesHeld: budget.peakBytesHeld,
      memoryLimit: budget.memoryLimit,
      options,
      clientOptions: config.clientOptions,
    };
  };
});
