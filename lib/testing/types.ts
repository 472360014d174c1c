/** Public types of the local OSS emulator (`oss-multipart-stream/testing`). */

export type OperationName =
  | 'InitiateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads'
  | 'PutObject'
  | 'HeadObject'
  | 'GetObject'
  | 'DeleteObject'
  | 'PutBucket';

export const OPERATION_NAMES: readonly OperationName[] = [
  'InitiateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
  'PutObject',
  'HeadObject',
  'GetObject',
  'DeleteObject',
  'PutBucket',
];

/** One entry of the emulator's key table. */
export interface EmulatorCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /** When set, requests with this key must carry `x-oss-security-token` equal to it (STS). */
  securityToken?: string | undefined;
  /** When set and passed, requests with this key fail with `SecurityTokenExpired`. */
  expiresAt?: Date | undefined;
}

export interface EmulatorOptions {
  /** TCP port; default 0 (ephemeral). */
  port?: number | undefined;
  /** Interface to listen on; default '127.0.0.1'. */
  host?: string | undefined;
  /** Buckets created at start; default ['test-bucket']. */
  buckets?: string[] | undefined;
  /** Key table; default one random pair, exposed as `emulator.credentials`. */
  credentials?: EmulatorCredential[] | undefined;
  /** Region that V4 signing scopes must name; default 'cn-hangzhou'. */
  region?: string | undefined;
  /** On-disk storage root; default: everything in memory. */
  dir?: string | undefined;
  /** Virtual-hosted addressing base: Host `<bucket>.<baseHost>[:port]`; default 'localhost'. */
  baseHost?: string | undefined;
  /**
   * Default true. false is the benchmark fast path: bodies are streamed and counted but no
   * MD5 or CRC-64 is computed; a part's ETag is taken from its Content-MD5 (MD5 is computed
   * only when the request has none), a wrong Content-MD5 is not detected, and no
   * `x-oss-hash-crc64ecma` header is sent for anything.
   */
  verifyContent?: boolean | undefined;
  /**
   * Default false. true serves HTTPS with a certificate generated at start by a throwaway
   * authority (exposed as `emulator.ca`), valid for 127.0.0.1, ::1, localhost, the listen
   * host, `*.<baseHost>` and `<bucket>.<baseHost>` for every bucket (re-issued when a bucket is
   * created).
   */
  tls?: boolean | undefined;
}

interface FaultScope {
  operation: OperationName;
  /** Only requests for this part number (UploadPart) match. */
  partNumber?: number | undefined;
  /** How many matching requests the rule applies to; default 1, Infinity allowed. */
  times?: number | undefined;
  /**
   * Called each time the fault acts, so a test can react at that moment instead of guessing:
   * `stall` once the body is in and the wait begins, `delay-response` once the operation is done
   * and its answer is held, every other kind as it answers or cuts the connection.
   */
  onFire?: (() => void) | undefined;
}

export type FaultAction =
  /** Answer with this error instead of doing the operation (the body is drained first). */
  | {
      kind: 'error';
      status: number;
      code: string;
      message?: string | undefined;
      ec?: string | undefined;
    }
  /** Destroy the socket after receiving that many body bytes (default half of Content-Length). */
  | { kind: 'reset'; afterBytes?: number | undefined }
  /** Receive the body, send nothing for `ms`, then proceed normally unless the client has gone. */
  | { kind: 'stall'; ms: number }
  /** Perform the operation, then destroy the socket without answering. */
  | { kind: 'drop-response' }
  /** Perform the operation, answer with a different ETag. */
  | { kind: 'wrong-etag' }
  /** Perform the operation, answer with a different x-oss-hash-crc64ecma. */
  | { kind: 'wrong-crc' }
  /**
   * Answer with this status, body and headers instead of the operation's answer (e.g. a 200
   * carrying an `<Error>` document or HTML). With `execute: true` the operation is performed
   * first and its real answer discarded; by default it is not performed (the body is drained).
   */
  | {
      kind: 'fake-response';
      status: number;
      body?: string | undefined;
      /** Default 'application/xml' when there is a body. */
      contentType?: string | undefined;
      headers?: Record<string, string> | undefined;
      execute?: boolean | undefined;
    }
  /** Perform the operation, hold its answer for `ms`, then send it unless the client has gone. */
  | { kind: 'delay-response'; ms: number };

export type FaultRule = FaultScope & FaultAction;

export interface FaultController {
  add(rule: FaultRule): void;
  clear(): void;
  /** Activations left across all rules (sum of remaining `times`; Infinity if any rule is unlimited). */
  pending(): number;
}

export interface EmulatorStats {
  /** Requests routed to each operation (counted on arrival, whatever the outcome). */
  requests: Record<OperationName, number>;
  /** Requests currently being handled. */
  inFlight: number;
  /** Highest concurrency seen, per operation and over all requests. */
  maxInFlight: Record<OperationName, number> & { all: number };
  /** Requests whose connection closed before the response was sent (not counting injected faults). */
  clientAborts: number;
  /** Request body bytes received. */
  bytesReceived: number;
  reset(): void;
}

export interface UploadInfo {
  key: string;
  uploadId: string;
  /** Number of parts uploaded so far. */
  parts: number;
}

export interface ObjectInfo {
  size: number;
  /** Quoted, as in the ETag header. */
  etag: string;
  /** Decimal CRC-64/ECMA, undefined when not computed (verifyContent: false). */
  crc64: string | undefined;
  objectType: 'Normal' | 'Multipart';
  lastModified: Date;
  /** Stored metadata headers (lower-case names): content-type, x-oss-meta-*, ... */
  headers: Record<string, string>;
}

export interface Emulator {
  /** e.g. 'http://127.0.0.1:41234', or 'https://127.0.0.1:41234' with `tls: true`. */
  endpoint: string;
  /** With `tls: true`: the PEM certificate of the authority that signed the server's certificate. */
  ca: string | undefined;
  region: string;
  /** The first entry of the key table. */
  credentials: { accessKeyId: string; accessKeySecret: string };
  faults: FaultController;
  stats: EmulatorStats;
  /** Server clock skew for tests: server time = Date.now() + offsetMs. */
  clock: { offsetMs: number };
  /** Resolves once the bucket exists and (with TLS) the certificate names its host. */
  createBucket(name: string): Promise<void>;
  listUploads(bucket: string): UploadInfo[];
  getObject(bucket: string, key: string): Promise<Buffer | undefined>;
  headObject(bucket: string, key: string): ObjectInfo | undefined;
  /** Close the server and every socket; nothing the user gave is removed from disk. */
  close(): Promise<void>;
}
