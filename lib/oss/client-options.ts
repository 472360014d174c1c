import http from 'node:http';
import type https from 'node:https';
import { OssOptionError } from '../errors.ts';
import { MIN_PART_SIZE } from '../limits.ts';
import {
  boolean,
  describeType,
  integer,
  MAX_TIMER_MS,
  oneOf,
  plainObject,
  RETRY_DEFAULTS,
  type RetryOptions,
  type RetryOptionsInput,
  rejectUnknown,
  validateRetryOptions,
} from '../validate.ts';
import { CredentialsSource } from './credentials.ts';
import { type Endpoint, parseEndpoint } from './endpoint.ts';
import { credentialProblem, validateBucketName } from './names.ts';
import type { Credentials } from './signing/types.ts';

/** Signature versions, preferred first. */
export const SIGNATURE_VERSIONS = ['v4', 'v1'] as const;
export type SignatureVersion = (typeof SIGNATURE_VERSIONS)[number];

/** Agents for the client's requests, one per scheme. */
export interface ClientAgents {
  http?: http.Agent | undefined;
  https?: https.Agent | http.Agent | undefined;
}

/** One or more PEM certificates. */
export type CaOption = string | Buffer | Array<string | Buffer>;

export interface OssClientOptions {
  /** Service endpoint: `https://oss-cn-hangzhou.aliyuncs.com`, a bare host, or an http:// URL. */
  endpoint: string;
  /** Bucket every operation addresses. */
  bucket: string;
  /** Region id for V4 signing (`cn-hangzhou`; `oss-cn-hangzhou` is accepted). Derived from
   * an `oss-<region>.aliyuncs.com` endpoint when omitted. */
  region?: string | undefined;
  /** Static credentials, or a function returning fresh ones (STS). */
  credentials: Credentials | (() => Credentials | Promise<Credentials>);
  /** Default 'v4'. */
  signatureVersion?: SignatureVersion | undefined;
  /** Bucket in the path instead of the host. Default: only for IP literals and localhost. */
  pathStyle?: boolean | undefined;
  /** Per-request inactivity timeout in ms. Default 60000. */
  timeoutMs?: number | undefined;
  /** Retry limits. Default { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 20000 }. */
  retry?: RetryOptionsInput | undefined;
  /** Agents to send requests through. Default: the client's own keep-alive agents. */
  agent?: ClientAgents | undefined;
  /** Extra certificate authorities trusted for HTTPS, in PEM. */
  ca?: CaOption | undefined;
  /** Proxy URL; `false` ignores the environment. Default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxy?: string | false | undefined;
  /** Bytes of part data all uploads of this client may hold together. Default 512 MiB. */
  memoryLimit?: number | undefined;
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
  agent: ClientAgents | undefined;
  ca: CaOption | undefined;
  proxy: string | false | undefined;
  memoryLimit: number;
}

/**
 * Every client option with its default (undefined: none, or derived from other options). Its
 * keys are the known option names, and the compiler keeps them in step with OssClientOptions.
 */
export const CLIENT_DEFAULTS = {
  endpoint: undefined,
  bucket: undefined,
  region: undefined,
  credentials: undefined,
  signatureVersion: 'v4',
  pathStyle: undefined,
  timeoutMs: 60_000,
  retry: RETRY_DEFAULTS,
  agent: undefined,
  ca: undefined,
  proxy: undefined,
  memoryLimit: 512 * 1024 * 1024,
} as const satisfies Record<keyof OssClientOptions, unknown>;

/** The smallest memoryLimit: one part of the smallest size. */
export const MIN_MEMORY_LIMIT = MIN_PART_SIZE;

/** `oss-cn-hangzhou.aliyuncs.com` and `oss-cn-hangzhou-internal.aliyuncs.com` name their region. */
function regionFromHost(hostname: string): string | undefined {
  return /^(?:[a-z0-9-]+\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/.exec(hostname)?.[1];
}

function validateAgent(value: unknown): ClientAgents | undefined {
  if (value === undefined) return undefined;
  if (value instanceof http.Agent) {
    throw new OssOptionError(
      'agent',
      'expected { http?, https? }, got one Agent: pass { https: agent }',
    );
  }
  const given = plainObject(value, 'agent');
  rejectUnknown(given, { http: true, https: true }, 'agent');
  const out: ClientAgents = {};
  for (const scheme of ['http', 'https'] as const) {
    const agent = given[scheme];
    if (agent === undefined) continue;
    // Proxy agents extend http.Agent even for HTTPS targets, so that is the common base.
    if (!(agent instanceof http.Agent)) {
      throw new OssOptionError(
        `agent.${scheme}`,
        `expected an http.Agent or https.Agent, got ${describeType(agent)}`,
      );
    }
    out[scheme] = agent;
  }
  return out;
}

function isPem(value: unknown): value is string | Buffer {
  return (
    (typeof value === 'string' && value !== '') || (Buffer.isBuffer(value) && value.length > 0)
  );
}

function validateCa(value: unknown): CaOption | undefined {
  if (value === undefined) return undefined;
  if (isPem(value)) return value;
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => {
      if (!isPem(item)) {
        throw new OssOptionError(
          `ca[${i}]`,
          `expected a non-empty PEM string or Buffer, got ${describeType(item)}`,
        );
      }
    });
    return [...value];
  }
  throw new OssOptionError(
    'ca',
    `expected a PEM string, a Buffer or a non-empty array of them, got ${describeType(value)}`,
  );
}

/** The URL may carry a password, so no message repeats it. */
function validateProxy(value: unknown): string | false | undefined {
  if (value === undefined || value === false) return value;
  if (typeof value !== 'string') {
    throw new OssOptionError('proxy', `expected a URL or false, got ${describeType(value)}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OssOptionError('proxy', 'is not a valid URL (expected http://host:port)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OssOptionError(
      'proxy',
      `protocol ${url.protocol} is not supported (use http: or https:)`,
    );
  }
  if (url.hostname === '') throw new OssOptionError('proxy', 'has no host');
  return value;
}

/** Static credentials whose id or token could not be sent in a header are refused here. */
function checkStaticCredentials(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  for (const field of ['accessKeyId', 'securityToken'] as const) {
    const problem = credentialProblem((value as Record<string, unknown>)[field]);
    if (problem) throw new OssOptionError(`credentials.${field}`, problem);
  }
  return value;
}

export function resolveClientOptions(options: unknown): ResolvedClientOptions {
  const given = plainObject(options, 'options');
  rejectUnknown(given, CLIENT_DEFAULTS);
  const endpoint = parseEndpoint(given.endpoint);
  const bucket = validateBucketName(given.bucket);

  const signatureVersion = oneOf(
    given.signatureVersion,
    'signatureVersion',
    SIGNATURE_VERSIONS,
    CLIENT_DEFAULTS.signatureVersion,
  );
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
  return {
    endpoint,
    bucket,
    region: region as string | undefined,
    credentials: new CredentialsSource(checkStaticCredentials(given.credentials)),
    signatureVersion,
    pathStyle: boolean(given.pathStyle, 'pathStyle', endpoint.needsPathStyle),
    timeoutMs: integer(
      given.timeoutMs,
      'timeoutMs',
      { min: 1, max: MAX_TIMER_MS },
      CLIENT_DEFAULTS.timeoutMs,
    ),
    retry: validateRetryOptions(given.retry, 'retry', CLIENT_DEFAULTS.retry),
    agent: validateAgent(given.agent),
    ca: validateCa(given.ca),
    proxy: validateProxy(given.proxy),
    memoryLimit: integer(
      given.memoryLimit,
      'memoryLimit',
      { min: MIN_MEMORY_LIMIT },
      CLIENT_DEFAULTS.memoryLimit,
    ),
  };
}
