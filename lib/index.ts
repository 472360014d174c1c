/** The documented API, and every type its signatures use. */
export {
  type ClientStats,
  OssClient,
  type UploadFilter,
  type UploadSummary,
} from './client.ts';
export * from './errors.ts';
export type {
  HashingMode,
  ObjectAcl,
  ResumeOption,
  ServerSideEncryption,
  StorageClass,
  UploadOptions,
} from './options.ts';
export type {
  CaOption,
  ClientAgents,
  OssClientOptions,
  SignatureVersion,
} from './oss/client-options.ts';
export {
  CHANNELS as DIAGNOSTICS_CHANNELS,
  type RequestEndEvent,
  type RequestErrorEvent,
  type RequestEvent,
  type RequestRetryEvent,
} from './oss/diagnostics.ts';
export type { Credentials } from './oss/signing/types.ts';
export type {
  CallOptions,
  CompletedPart,
  CompleteOptions,
  CompleteResult,
  GetObjectResult,
  ListedPart,
  ListOptions,
  ListedUpload,
  ObjectHead,
  PartResult,
  PutObjectResult,
  RequestBody,
  UploadPartOptions,
} from './oss/types.ts';
export { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, partSizeFor } from './parts/part-size.ts';
export type { UploadBody } from './upload-body.ts';
export {
  type InitiatedEvent,
  type PartEvent,
  type ProgressEvent,
  UploadStream,
  type UploadStreamEvents,
} from './upload-stream.ts';
export type { UploadResult } from './upload-target.ts';
export type { RetryOptions, RetryOptionsInput } from './validate.ts';
export { nodeMajorVersion } from './version.ts';
