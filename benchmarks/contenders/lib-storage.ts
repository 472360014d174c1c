/**
 * @aws-sdk/lib-storage `Upload` with its defaults (CRC32 request checksums on, as the SDK
 * sends them by default), `partSize` and `queueSize` set to the run's part size and concurrency.
 * The S3 client uses path-style requests to the sink.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { keysOf, warmUpKey } from '../shared/contender-config.ts';
import { contender } from '../shared/contender-main.ts';
import { generatedSource } from '../shared/generated-source.ts';

await contender('@aws-sdk/lib-storage Upload', async (config) => {
  const client = new S3Client({
    endpoint: config.server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: config.server.credentials.accessKeyId,
      secretAccessKey: config.server.credentials.accessKeySecret,
    },
    ...(config.options as object | undefined),
  });
  const keys = keysOf(config);
  // Its minimum part size is 5 MiB: two parts.
  await new Upload({
    client,
    params: { Bucket: config.bucket, Key: warmUpKey(config), Body: generatedSource(6 * 2 ** 20) },
    partSize: 5 * 2 ** 20,
  }).done();
  return async () => {
    await Promise.all(
      keys.map((key, i) => {
        const upload = new Upload({
          client,
          params: {
            Bucket: config.bucket,
            Key: key,
            Body: generatedSource(config.bytes, config.chunkSize, i + 1),
          },
          ...(config.partSize === undefined ? {} : { partSize: config.partSize }),
          ...(config.concurrency === undefined ? {} : { queueSize: config.concurrency }),
        });
        return upload.done();
      }),
    );
    client.destroy();
    return { partSize: config.partSize ?? '5 MiB (default)', queueSize: config.concurrency ?? 4 };
  };
});
