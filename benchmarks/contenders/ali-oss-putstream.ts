/**
 * ali-oss `putStream`: one PutObject with a chunked body (no length given). It has no parts
 * and no concurrency, so neither applies; one request carries the whole object.
 */
import { aliOssClient } from '../shared/ali-oss-client.ts';
import { keysOf, WARM_UP_BYTES, warmUpKey } from '../shared/contender-config.ts';
import { contender } from '../shared/contender-main.ts';
import { generatedSource } from '../shared/generated-source.ts';

await contender('ali-oss putStream', async (config) => {
  const client = aliOssClient(config);
  await client.putStream(warmUpKey(config), generatedSource(WARM_UP_BYTES, config.chunkSize, 99));
  return async () => {
    await Promise.all(
      keysOf(config).map((key, i) =>
        client.putStream(key, generatedSource(config.bytes, config.chunkSize, i + 1)),
      ),
    );
    return {};
  };
});
