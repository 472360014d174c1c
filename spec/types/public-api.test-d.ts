/**
 * Type tests of the public API, as a strict consumer sees it (tsconfig.types.json: strict,
 * exactOptionalPropertyTypes, noUncheckedIndexedAccess). Run by `vitest` (typecheck); every
 * `@ts-expect-error` is a line that must fail to compile, and fails the run if it compiles.
 */
import { Writable } from 'node:stream';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CallOptions,
  type ClientStats,
  type CompletedPart,
  type CompleteOptions,
  type CompleteResult,
  type Credentials,
  type GetObjectResult,
  type HashingMode,
  type InitiatedEvent,
  type ListedPart,
  type ListedUpload,
  type ObjectAcl,
  type ObjectHead,
  OssClient,
  type OssClientOptions,
  OssStreamError,
  OssUploadError,
  type PartEvent,
  type PartResult,
  type ProgressEvent,
  type PutObjectResult,
  type RequestBody,
  type ResumeOption,
  type RetryOptions,
  type ServerSideEncryption,
  type StorageClass,
  type UploadBody,
  type UploadFilter,
  type UploadOptions,
  type UploadPartOptions,
  type UploadResult,
  UploadStream,
  type UploadStreamEvents,
  type UploadSummary,
} from '../../lib/index.ts';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../lib/testing/index.ts';

declare const client: OssClient;
declare const stream: UploadStream;

describe('upload stream events', () => {
  it('types the payload of each event', () => {
    stream.on('initiated', (event) => expectTypeOf(event).toEqualTypeOf<{ uploadId: string }>());
    stream.on('part', (event) => expectTypeOf(event).toEqualTypeOf<PartEvent>());
    stream.on('progress', (event) => expectTypeOf(event).toEqualTypeOf<ProgressEvent>());
    stream.on('error', (error) => expectTypeOf(error).toEqualTypeOf<OssUploadError>());
    stream.on('finish', () => {});
    stream.on('close', () => {});
    expectTypeOf<InitiatedEvent>().toEqualTypeOf<{ uploadId: string }>();
  });

  it('types once, off, addListener, removeListener and emit alike', () => {
    const onPart = (event: PartEvent) => expectTypeOf(event.partNumber).toBeNumber();
    stream.once('part', onPart).off('part', onPart);
    stream.addListener('progress', (e) => expectTypeOf(e.bytesUploaded).toBeNumber());
    stream.removeListener('part', onPart);
    stream.once('error', (error) => expectTypeOf(error.code).toBeString());
    expectTypeOf(stream.emit('initiated', { uploadId: 'x' })).toBeBoolean();
    // Chaining keeps the typed stream.
    expectTypeOf(stream.on('finish', () => {})).toEqualTypeOf<UploadStream>();
  });

  it('refuses a misspelt event name', () => {
    // @ts-expect-error 'progres' is not an event of UploadStream
    stream.on('progres', () => {});
    // @ts-expect-error 'initiate' is not an event of UploadStream
    stream.once('initiate', () => {});
  });

  it('refuses a payload field that does not exist', () => {
    // @ts-expect-error ProgressEvent has bytesWritten, not bytes
    stream.on('progress', (event) => event.bytes);
    // @ts-expect-error the 'initiated' payload has uploadId, not id
    stream.on('initiated', (event) => event.id);
    // @ts-expect-error emit checks the payload too
    stream.emit('initiated', { id: 'x' });
    // @ts-expect-error a part listener does not take a progress event
    stream.on('part', (event: ProgressEvent) => event);
  });
});

describe('write() and end()', () => {
  it("keeps Node's signature", () => {
    stream.write(Buffer.from('a'), (err) =>
      expectTypeOf(err).toEqualTypeOf<Error | null | undefined>(),
    );
    stream.write('text', 'utf8', (err) => err);
    stream.write(new Uint8Array(4));
    expectTypeOf(stream.write(Buffer.alloc(1))).toBeBoolean();
    stream.end();
    stream.end(Buffer.from('tail'), () => {});
  });

  it('refuses what is not bytes or a string', () => {
    // @ts-expect-error a number is not a chunk
    stream.write(42);
    // @ts-expect-error an object is not a chunk
    stream.write({ bytes: 1 });
    // @ts-expect-error an unknown encoding name
    stream.write('text', 'utf-9');
  });
});

describe('exports', () => {
  // A name missing from the index imports as `any` and vitest does not report the import line:
  // these make every missing export a failing test.
  it('exports every type used in a public signature', () => {
    expectTypeOf<CallOptions>().not.toBeAny();
    expectTypeOf<ClientStats>().not.toBeAny();
    expectTypeOf<CompletedPart>().not.toBeAny();
    expectTypeOf<CompleteOptions>().not.toBeAny();
    expectTypeOf<CompleteResult>().not.toBeAny();
    expectTypeOf<Credentials>().not.toBeAny();
    expectTypeOf<GetObjectResult>().not.toBeAny();
    expectTypeOf<HashingMode>().not.toBeAny();
    expectTypeOf<InitiatedEvent>().not.toBeAny();
    expectTypeOf<ListedPart>().not.toBeAny();
    expectTypeOf<ListedUpload>().not.toBeAny();
    expectTypeOf<ObjectAcl>().not.toBeAny();
    expectTypeOf<ObjectHead>().not.toBeAny();
    expectTypeOf<OssClientOptions>().not.toBeAny();
    expectTypeOf<PartEvent>().not.toBeAny();
    expectTypeOf<PartResult>().not.toBeAny();
    expectTypeOf<ProgressEvent>().not.toBeAny();
    expectTypeOf<PutObjectResult>().not.toBeAny();
    expectTypeOf<RequestBody>().not.toBeAny();
    expectTypeOf<ResumeOption>().not.toBeAny();
    expectTypeOf<RetryOptions>().not.toBeAny();
    expectTypeOf<ServerSideEncryption>().not.toBeAny();
    expectTypeOf<StorageClass>().not.toBeAny();
    expectTypeOf<UploadBody>().not.toBeAny();
    expectTypeOf<UploadFilter>().not.toBeAny();
    expectTypeOf<UploadOptions>().not.toBeAny();
    expectTypeOf<UploadPartOptions>().not.toBeAny();
    expectTypeOf<UploadResult>().not.toBeAny();
    expectTypeOf<UploadStreamEvents>().not.toBeAny();
    expectTypeOf<UploadSummary>().not.toBeAny();
    expectTypeOf<Emulator>().not.toBeAny();
    expectTypeOf<EmulatorOptions>().not.toBeAny();
  });

  it('types the client methods with the exported types', () => {
    expectTypeOf(client.upload).parameter(1).toEqualTypeOf<UploadBody>();
    expectTypeOf(client.listUploads).parameter(0).toEqualTypeOf<UploadFilter | undefined>();
    expectTypeOf(client.listUploads).returns.resolves.toEqualTypeOf<UploadSummary[]>();
    expectTypeOf(client.stats).returns.toEqualTypeOf<ClientStats>();
  });

  it('exports UploadStream as a class (instanceof works), a Writable', () => {
    const value: unknown = stream;
    if (value instanceof UploadStream) expectTypeOf(value).toEqualTypeOf<UploadStream>();
    expectTypeOf(stream).toMatchTypeOf<Writable>();
    expectTypeOf(client.createUploadStream('k')).toEqualTypeOf<UploadStream>();
  });

  it('exports the error classes as values', () => {
    const error: unknown = new Error('x');
    if (error instanceof OssUploadError) {
      expectTypeOf(error.key).toBeString();
      expectTypeOf(error.partNumber).toEqualTypeOf<number | undefined>();
    }
    expectTypeOf(
      new OssUploadError({ bucket: 'b', key: 'k', uploadId: null, cleanedUp: true, cause: 1 }),
    ).toMatchTypeOf<OssStreamError>();
  });

  it('exports the types of option values', () => {
    expectTypeOf<StorageClass>().toMatchTypeOf<UploadOptions['storageClass']>();
    expectTypeOf<ObjectAcl>().toMatchTypeOf<UploadOptions['acl']>();
    expectTypeOf<ServerSideEncryption>().toMatchTypeOf<UploadOptions['serverSideEncryption']>();
    expectTypeOf<'Standard'>().toMatchTypeOf<StorageClass>();
    // @ts-expect-error not a storage class
    const wrong: StorageClass = 'COLDEST';
    void wrong;
  });

  it('exports the per-call option and result types of the client operations', () => {
    expectTypeOf(client.uploadPart).parameter(3).toEqualTypeOf<RequestBody>();
    expectTypeOf(client.putObject).parameter(1).toEqualTypeOf<RequestBody>();
    expectTypeOf(client.uploadPart).returns.resolves.toEqualTypeOf<PartResult>();
    expectTypeOf(client.putObject).returns.resolves.toEqualTypeOf<PutObjectResult>();
    expectTypeOf(client.completeMultipartUpload)
      .parameter(2)
      .toEqualTypeOf<readonly CompletedPart[]>();
    expectTypeOf(client.completeMultipartUpload).returns.resolves.toEqualTypeOf<CompleteResult>();
    expectTypeOf(client.listParts).returns.resolves.toEqualTypeOf<ListedPart[]>();
    expectTypeOf(client.listMultipartUploads).returns.resolves.toEqualTypeOf<ListedUpload[]>();
    expectTypeOf(client.headObject).returns.resolves.toEqualTypeOf<ObjectHead>();
    expectTypeOf(client.getObject).returns.resolves.toEqualTypeOf<GetObjectResult>();
    const call: CallOptions = { signal: AbortSignal.timeout(1000) };
    void client.headObject('k', call);
    expectTypeOf(client.upload).returns.resolves.toEqualTypeOf<UploadResult>();
  });

  it('exports the emulator and its types from oss-multipart-stream/testing', () => {
    expectTypeOf(startEmulator).returns.resolves.toEqualTypeOf<Emulator>();
  });
});

describe('optional fields under exactOptionalPropertyTypes', () => {
  it('accept undefined', () => {
    const fromConfig = { partSize: undefined as number | undefined, signal: undefined };
    const options: UploadOptions = {
      partSize: fromConfig.partSize,
      concurrency: undefined,
      contentLength: undefined,
      signal: fromConfig.signal,
      contentType: undefined,
      storageClass: undefined,
      meta: undefined,
      retry: { maxAttempts: undefined },
      hashing: undefined,
      resume: undefined,
    };
    void client.createUploadStream('k', options);
    const clientOptions: OssClientOptions = {
      endpoint: 'http://127.0.0.1:1',
      bucket: 'b',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      region: undefined,
      timeoutMs: undefined,
      signatureVersion: undefined,
      pathStyle: undefined,
      retry: undefined,
      agent: undefined,
      ca: undefined,
      proxy: undefined,
      memoryLimit: undefined,
    };
    void new OssClient(clientOptions);
  });
});
