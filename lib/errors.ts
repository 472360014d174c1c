/**
 * Every error this library throws or rejects with is an OssStreamError with a stable `code`.
 * Users match on `code` (or `instanceof`), never on message text.
 *
 * No error may carry an access key secret or a security token: messages are built only from
 * values we choose, and wrapped causes are reduced to plain errors without request options.
 */

export type ErrorCode =
  | 'ERR_OSS_INVALID_OPTION'
  | 'ERR_OSS_INVALID_KEY'
  | 'ERR_OSS_CREDENTIALS'
  | 'ERR_OSS_RESPONSE'
  | 'ERR_OSS_NETWORK'
  | 'ERR_OSS_TIMEOUT'
  | 'ERR_OSS_INTEGRITY'
  | 'ERR_OSS_UPLOAD_FAILED'
  | 'ERR_OSS_ABORTED'
  | 'ERR_OSS_XML'
  | 'ERR_OSS_INVALID_WRITE'
  | 'ERR_OSS_CLIENT_CLOSED';

export class OssStreamError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option is missing, of the wrong type, out of range, or unknown. */
export class OssOptionError extends OssStreamError {
  readonly option: string;

  constructor(option: string, message: string) {
    super('ERR_OSS_INVALID_OPTION', `Invalid option "${option}": ${message}`);
    this.option = option;
  }
}

/** The object key breaks the OSS naming rules (checked before any request is sent). */
export class OssKeyError extends OssStreamError {
  constructor(message: string) {
    super('ERR_OSS_INVALID_KEY', `Invalid object key: ${message}`);
  }
}

/** Credentials are missing or the credentials provider failed. */
export class OssCredentialsError extends OssStreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_OSS_CREDENTIALS', message, options);
  }
}

/** An XML body could not be parsed or was refused (too large, entities). */
export class OssXmlError extends OssStreamError {
  constructor(message: string) {
    super('ERR_OSS_XML', message);
  }
}

/** Details that the OSS error body carries, as parsed from XML or from `x-oss-err`. */
export interface OssErrorDetails {
  status: number;
  operation: string;
  ossCode?: string | undefined;
  ossMessage?: string | undefined;
  requestId?: string | undefined;
  hostId?: string | undefined;
  ec?: string | undefined;
  /** Other elements of the error body (ArgumentName, UploadId, PartNumber, StringToSign, ...). */
  extra?: Record<string, string> | undefined;
  /** The server's `Date` header, used for clock-offset correction. */
  serverDate?: string | undefined;
}

/** The server answered with a non-success status. */
export class OssResponseError extends OssStreamError {
  readonly status: number;
  readonly operation: string;
  readonly ossCode: string | undefined;
  readonly ossMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly hostId: string | undefined;
  readonly ec: string | undefined;
  readonly extra: Record<string, string>;
  readonly serverDate: string | undefined;

  constructor(details: OssErrorDetails) {
    const what = details.ossCode ?? `HTTP ${details.status}`;
    const text = details.ossMessage ? `: ${details.ossMessage}` : '';
    const rid = details.requestId ? ` (RequestId ${details.requestId})` : '';
    super('ERR_OSS_RESPONSE', `${details.operation} failed with ${what}${text}${rid}`);
    this.status = details.status;
    this.operation = details.operation;
    this.ossCode = details.ossCode;
    this.ossMessage = details.ossMessage;
    this.requestId = details.requestId;
    this.hostId = details.hostId;
    this.ec = details.ec;
    this.extra = details.extra ?? {};
    this.serverDate = details.serverDate;
  }
}

/** The connection failed before a complete response arrived. `cause` is the system error. */
export class OssNetworkError extends OssStreamError {
  readonly operation: string;
  readonly syscallCode: string | undefined;

  constructor(operation: string, cause: Error & { code?: string }) {
    super('ERR_OSS_NETWORK', `${operation} failed: ${cause.code ?? cause.message}`, { cause });
    this.operation = operation;
    this.syscallCode = cause.code;
  }
}

/** No response (or no progress) within the request timeout. */
export class OssTimeoutError extends OssStreamError {
  readonly operation: string;
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number) {
    super('ERR_OSS_TIMEOUT', `${operation} timed out after ${timeoutMs} ms`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * `etag` and `crc64`: the server's answer to one UploadPart or PutObject does not match the body
 * sent (retried: resending the same bytes is safe). `object-crc64`: the completed object's CRC-64
 * is not the combination of its parts' (not retried; the object is deleted by default).
 */
export type IntegrityCheck = 'etag' | 'crc64' | 'object-crc64';

/** What the server stored is not what we sent. */
export class OssIntegrityError extends OssStreamError {
  readonly check: IntegrityCheck;
  readonly expected: string;
  readonly actual: string;
  readonly partNumber: number | undefined;

  constructor(check: IntegrityCheck, expected: string, actual: string, partNumber?: number) {
    const where = partNumber === undefined ? 'object' : `part ${partNumber}`;
    super(
      'ERR_OSS_INTEGRITY',
      `Integrity check ${check} failed for ${where}: expected ${expected}, server returned ${actual}`,
    );
    this.check = check;
    this.expected = expected;
    this.actual = actual;
    this.partNumber = partNumber;
  }
}

/** The operation was cancelled through an AbortSignal or destroy(). */
export class OssAbortError extends OssStreamError {
  constructor(message = 'The upload was aborted', options?: { cause?: unknown }) {
    super('ERR_OSS_ABORTED', message, options);
  }
}

/** A request was started after the client's close() or destroy(). Nothing was sent. */
export class OssClientClosedError extends OssStreamError {
  readonly operation: string;

  constructor(operation: string) {
    super('ERR_OSS_CLIENT_CLOSED', `${operation} refused: the client is closed`);
    this.operation = operation;
  }
}

/** A write that the stream cannot accept (wrong chunk type, write after end). */
export class OssWriteError extends OssStreamError {
  constructor(message: string) {
    super('ERR_OSS_INVALID_WRITE', message);
  }
}

/** The one error an upload stream fails with; `cause` says why. */
export class OssUploadError extends OssStreamError {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string | null;
  readonly partNumber: number | undefined;
  /**
   * True only when nothing of this upload is left on the server: the upload (and any that an
   * unanswered Initiate may have made) aborted, and no object where a Complete or PutObject was
   * sent. False when parts were kept (`leavePartsOnError`) or when that could not be proven.
   */
  readonly cleanedUp: boolean;

  constructor(params: {
    bucket: string;
    key: string;
    uploadId: string | null;
    partNumber?: number | undefined;
    cleanedUp: boolean;
    cause: unknown;
  }) {
    const part = params.partNumber === undefined ? '' : ` at part ${params.partNumber}`;
    const id = params.uploadId ? ` (upload ${params.uploadId})` : '';
    const reason = params.cause instanceof Error ? params.cause.message : String(params.cause);
    super('ERR_OSS_UPLOAD_FAILED', `Upload of ${params.key}${id} failed${part}: ${reason}`, {
      cause: params.cause,
    });
    this.bucket = params.bucket;
    this.key = params.key;
    this.uploadId = params.uploadId;
    this.partNumber = params.partNumber;
    this.cleanedUp = params.cleanedUp;
  }
}
