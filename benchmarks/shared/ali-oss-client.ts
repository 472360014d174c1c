/** The official ali-oss SDK, which is CommonJS without bundled types: the part we use. */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { ContenderConfig } from './contender-config.ts';

export interface AliOssClient {
  multipartUpload(
    name: string,
    file: string | Buffer,
    options: { partSize?: number; parallel?: number },
  ): Promise<{ res: { status: number } }>;
  putStream(name: string, stream: Readable, options?: object): Promise<{ res: { status: number } }>;
}

type AliOssConstructor = new (options: object) => AliOssClient;

/**
 * An IP endpoint makes ali-oss send `Host: <bucket>.oss-<region>.aliyuncs.com` with the key as
 * the path (virtual-hosted style); the sink reads the bucket from that Host.
 */
export function aliOssClient(config: ContenderConfig): AliOssClient {
  const OSS = createRequire(import.meta.url)('ali-oss') as AliOssConstructor;
  return new OSS({
    endpoint: config.server.endpoint,
    region: `oss-${config.server.region}`,
    bucket: config.bucket,
    accessKeyId: config.server.credentials.accessKeyId,
    accessKeySecret: config.server.credentials.accessKeySecret,
    timeout: 600_000,
    ...(config.options ?? {}),
  });
}
