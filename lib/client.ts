import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveUploadOptions, type UploadOptions } from './options.ts';
import { OssTransport } from './oss/transport.ts';
import { validateObjectKey } from './oss/names.ts';
import { type UploadResult, UploadStream } from './upload-stream.ts';

/** The public client: every OSS operation of the transport, plus streaming uploads. */
export class OssClient extends OssTransport {
  /**
   * A Writable that uploads everything written to it as `key`. `await pipeline(source, stream)`
   * resolves once the object exists; `stream.result` then describes it. Options and the key
   * are validated here, before anything is sent.
   */
  createUploadStream(key: string, options?: UploadOptions): UploadStream {
    return new UploadStream(
      this,
      validateObjectKey(key),
      resolveUploadOptions(options, this.options.retry),
    );
  }

  /** Promise form: stream `source` into `key`. Rejects with one OssUploadError on failure. */
  async upload(
    key: string,
    source: Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
    options?: UploadOptions,
  ): Promise<UploadResult> {
    const stream = this.createUploadStream(key, options);
    try {
      await pipeline(source as Readable, stream);
    } catch (error) {
      // pipeline reports the first error (often the source's); the stream's own error is
      // the one that says what happened to the upload.
      throw stream.uploadError ?? error;
    }
    return stream.result as UploadResult;
  }
}
