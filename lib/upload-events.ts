import type { OssUploadError } from './errors.ts';

export interface PartEvent {
  partNumber: number;
  size: number;
  etag: string;
  /** Uppercase hex MD5 of the part. */
  md5: string;
  /** Decimal CRC-64 of the part. */
  crc64: string;
  /** A resumed upload found this part already on the server with the same bytes. */
  skipped: boolean;
  /** A resumed upload had this part number with other bytes; it was sent again. */
  replaced: boolean;
}

export interface ProgressEvent {
  /** Bytes accepted from the source. */
  bytesWritten: number;
  /** Bytes sent to the server: acknowledged parts plus what is on the wire now. Never decreases. */
  bytesUploaded: number;
  total?: number;
}

export interface InitiatedEvent {
  uploadId: string;
}

/** The events an UploadStream emits, with their payloads. */
export interface UploadStreamEvents {
  /** The multipart upload exists on the server (or a resumed one was found). */
  initiated: (event: InitiatedEvent) => void;
  /** A part is stored (or was already stored, on resume). */
  part: (event: PartEvent) => void;
  progress: (event: ProgressEvent) => void;
  /** The upload failed; everything was cancelled and cleaned up first. */
  error: (error: OssUploadError) => void;
  /** The object exists; `stream.result` describes it. (No payload: any listener arity is fine.) */
  finish: (...nothing: unknown[]) => void;
  close: (...nothing: unknown[]) => void;
  drain: (...nothing: unknown[]) => void;
  pipe: (source: NodeJS.ReadableStream) => void;
  unpipe: (source: NodeJS.ReadableStream) => void;
}
