import { OssOptionError } from '../errors.ts';
import { CredentialsSource } from './credentials.ts';
import { type Endpoint, parseEndpoint } from './endpoint.ts';
import { describeType, validateBucketName } from './names.ts';
import { type RetryOptions, validateRetryOptions } from './retry.ts';
import type { Credentials } from './signing/types.ts';

export type SignatureVersion = 'v1' | 'v4';

export interface OssClientOptions {
  /** Service endpoint: `https://oss-cn-hangzhou.aliyuncs.com`, a bare host, or an http:// URL. */
  endpoint: string;
  /** Bucket every operation addresses. */
  bucket: string;
  /** Region id for V4 signing (`cn-hangzhou`; `oss-cn-hangzhou` is accepted). Derived from
   * an `oss-<region>.aliyuncs.com` endpoint when omitted. */
  region?: string;
  /** Static credentials, or a function returning fresh ones (STS). */
  credentials: Credentials | (() => Credentials | Promise<Credentials>);
  /** Default 'v4'. */
  signatureVersion?: SignatureVersion;
  /** Bucket in the path instead of the host. Default: only for IP literals and localhost. */
  pathStyle?: boolean;
  /** Per-request inactivity timeout in ms. Default 60000. */
  timeoutMs?: number;
  /** Retry limits. Default { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 20000 }. */
  retry?: Partial<RetryOptions>;
}

export interface ResolvedClientOptions {
  endpoint: Endpoint;
  bucket: string;
  region: string | undefined;
  credentials: CredentialsSource;
  signatureVersion: SignatureVersion;
  pathStyle: boolean;
  timeoutMs: number;
  retry: RetryOptions;
}

const KNOWN = new Set([
  'endpoint',
  'bucket',
  'region',
  'credentials',
  'signatureVersion',
  'pathStyle',
  'timeoutMs',
  'retry',
]);

/** `oss-cn-hangzhou.aliyuncs.com` and `oss-cn-hangzhou-internal.aliyuncs.com` name their region. */
function regionFromHost(hostname: string): string | undefined {
  return /^(?:[a-z0-9-]+\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/.exec(hostname)?.[1];
}

export function resolveClientOptions(options: unknown): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') {
    throw new OssOptionError('options', `expected an object, got ${describeType(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!KNOWN.has(name)) throw new OssOptionError(name, 'unknown option');
  }
  const endpoint = parseEndpoint(given.endpoint);
  const bucket = validateBucketName(given.bucket);

  const signatureVersion = given.signatureVersion ?? 'v4';
  if (signatureVersion !== 'v1' && signatureVersion !== 'v4') {
    throw new OssOptionError(
      'signatureVersion',
      `expected 'v4' or 'v1', got ${describeType(signatureVersion)}`,
    );
  }
  let region = given.region;
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region))) {
    throw new OssOptionError(
      'region',
      `expected a region id such as 'cn-hangzhou', got ${describeType(region)}`,
    );
  }
  region ??= regionFromHost(endpoint.hostname);
  if (signatureVersion === 'v4' && region === undefined) {
    throw new OssOptionError(
      'region',
      'is required for V4 signing when the endpoint does not name it',
    );
  }
  const pathStyle = given.pathStyle ?? endpoint.needsPathStyle;
  if (typeof pathStyle !== 'boolean') {
    throw new OssOptionError('pathStyle', `expected a boolean, got ${describeType(pathStyle)}`);
  }
  const timeoutMs = given.timeoutMs ?? 60_000;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new OssOptionError(
      'timeoutMs',
      `expected a positive integer, got ${describeType(timeoutMs)}`,
    );
  }
  return {
    endpoint,
    bucket,
    region: region as string | undefined,
    credentials: new CredentialsSource(given.credentials),
    signatureVersion,
    pathStyle,
    timeoutMs,
    retry: validateRetryOptions(given.retry),
  };
}
