/**
 * This library: `pipeline(source, client.createUploadStream(key, options))` for each of
 * `uploads` simultaneous uploads through one client (the proxy case). Options left undefined
 * are the library's defaults; `options` passes anything else (checkCrc64, hashing) through.
 * The source is the generated stream, or `fs.createReadStream(config.file)` when a file is
 * given (the same bytes ali-oss multipartUpload reads). The library is loaded from
 * `config.libDir` (the compiled JavaScript, as published) when given, else from lib/*.ts.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { OssClient as OssClientType } from '../../lib/client.ts';
import type { UploadOptions } from '../../lib/options.ts';
import type { UploadStream } from '../../lib/upload-stream.ts';
import { contender, generatedSource, keysOf, WARM_UP_BYTES, warmUpKey } from './common.ts';

await contender('oss-multipart-stream', async (config) => {
  const entry = config.libDir
    ? pathToFileURL(`${config.libDir}/client.js`).href
    : new URL('../../lib/client.ts', import.meta.url).href;
  const { OssClient } = (await import(entry)) as { OssClient: typeof OssClientType };
  const client = new OssClient({
    endpoint: config.server.endpoint,
    bucket: config.bucket,
    region: config.server.region,
    credentials: config.server.credentials,
  });
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
    client.close();
    const first = streams[0]?.result;
    return {
      partCount: first?.partCount,
      // What the streams themselves held at most (part buffers), summed over the uploads.
      maxBufferedBytes: streams.reduce((sum, s) => sum + s.maxBufferedBytes, 0),
      options,
    };
  };
});
