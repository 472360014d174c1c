/**
 * `oss-multipart-stream/testing`: a local, fault-injectable OSS server for tests and benchmarks.
 */
export { startEmulator } from './emulator.ts';
export type {
  Emulator,
  EmulatorCredential,
  EmulatorOptions,
  EmulatorStats,
  FaultAction,
  FaultController,
  FaultRule,
  ObjectInfo,
  OperationName,
  UploadInfo,
} from './types.ts';
export { OPERATION_NAMES } from './types.ts';
