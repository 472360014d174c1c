/**
 * npm `aliyun-oss-upload-stream` (last published 2016) on the old `aliyun-sdk` OSS client it is
 * written for. `minPartSize` is its only knob: a part is flushed once its buffer exceeds it;
 * it has no concurrency limit and no backpressure (every write is acknowledged at once). Its
 * Writable overrides end() and reports success with an 'uploaded' event instead of 'finish'.
 */
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { keysOf, WARM_UP_BYTES, warmUpKey } from '../shared/contender-config.ts';
import { contender } from '../shared/contender-main.ts';
import { generatedSource } from '../shared/generated-source.ts';

type UploadWritable = Writable & { minPartSize(size: number): UploadWritable };
type StreamClient = { upload(destination: { Bucket: string; Key: string }): UploadWritable };

await contender('aliyun-oss-upload-stream', async (config) => {
  const require = createRequire(import.meta.url);
  const ALY = require('aliyun-sdk') as { OSS: new (options: object) => unknown };
  const makeStreamClient = require('aliyun-oss-upload-stream') as (client: unknown) => StreamClient;
  const oss = new ALY.OSS({
    accessKeyId: config.server.credentials.accessKeyId,
    secretAccessKey: config.server.credentials.accessKeySecret,
    endpoint: config.server.endpoint,
    apiVersion: '2013-10-15',
  });
  const streamClient = makeStreamClient(oss);
  const upload = (key: string, bytes: number, seed: number, partSize: number | undefined) =>
    new Promise<void>((resolve, reject) => {
      const stream = streamClient.upload({ Bucket: config.bucket, Key: key });
      if (partSize !== undefined) stream.minPartSize(partSize);
      stream.once('uploaded', () => resolve());
      stream.once('error', (error: unknown) =>
        reject(error instanceof Error ? error : new Error(String(error))),
      );
      const source = generatedSource(bytes, config.chunkSize, seed);
      source.once('error', reject);
      source.pipe(stream);
    });
  await upload(warmUpKey(config), WARM_UP_BYTES, 99, undefined);
  return async () => {
    await Promise.all(
      keysOf(config).map((key, i) => upload(key, config.bytes, i + 1, config.partSize)),
    );
    return { minPartSize: config.partSize ?? 204_800, concurrency: 'unbounded' };
  };
});
