export { OssClient } from './client.ts';
export * from './errors.ts';
export type { UploadOptions } from './options.ts';
export type { OssClientOptions, SignatureVersion } from './oss/client-options.ts';
export type {
  CallOptions,
  CompletedPart,
  CompleteResult,
  GetObjectResult,
  ListedPart,
  ListedUpload,
  ObjectHead,
  PartResult,
  PutObjectResult,
} from './oss/types.ts';
export type { RetryOptions } from './oss/retry.ts';
export type { Credentials } from './oss/signing/types.ts';
export { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, partSizeFor } from './parts/part-size.ts';
export type { PartEvent, ProgressEvent, UploadResult, UploadStream } from './upload-stream.ts';
export { nodeMajorVersion } from './version.ts';
