/**
 * The fault matrix: every fault the emulator can inject and every failure on the caller's side,
 * crossed with sizes and concurrency. Each case ends in exactly one outcome:
 *
 * - recovered: the promise resolved, the object is byte-identical (GET MD5 and size equal the
 *   input's; HEAD CRC-64 = result.crc64 = the CRC-64 computed here from the input) and no
 *   multipart upload is left open at the key;
 * - failed cleanly: the stream failed with one OssUploadError, nothing of the upload is left
 *   (ListMultipartUploads empty, no object at the key) unless leavePartsOnError asked to keep the
 *   parts, or the fault let the server commit the object before the failure (`objectMayRemain`)
 *   and the error says `cleanedUp: false`; `cleanedUp: true` is checked against the emulator's
 *   state right after the failure (no upload, no object);
 * - failed dirty: failed, but with an untyped error, something left behind, or a `cleanedUp`
 *   that lies;
 * - leaked: resolved with the right object, but a multipart upload was left open at the key
 *   (for example the one a lost Initiate response created);
 * - lost: resolved, but the object is missing or differs from the input;
 * - hung: did not settle within the deadline (or within the fault's own `settleWithinMs`).
 *
 * Only the first two are acceptable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { updateReadmeSection } from '../../../benchmarks/harness/readme.ts';
import { crc64 } from '../../../lib/checksum/crc64.ts';
import type { OssClient } from '../../../lib/client.ts';
import { OssUploadError } from '../../../lib/errors.ts';
import type { EmulatorCredential, FaultAction, FaultRule } from '../../../lib/testing/index.ts';
import type { PartEvent, UploadStream } from '../../../lib/upload-stream.ts';
import { type OssFixture, patternBytes, startOss } from '../oss.ts';
import { findSecrets } from './secrets.ts';
import { type SourceOptions, sourceOf } from './sources.ts';

export const PART = 100 * 1024;
export const CONCURRENCIES = [1, 4, 16] as const;
/** Client timeout for the stall fault (the stall lasts several times longer). */
export const SHORT_TIMEOUT_MS = 500;

export type Outcome = 'recovered' | 'failed cleanly' | 'failed dirty' | 'leaked' | 'lost' | 'hung';
export type Expectation = 'recovered' | 'failed cleanly' | 'either';

export interface SizeSpec {
  id: string;
  label: string;
  bytes: number;
  /** Parts the object has (1 for the single-request path). */
  parts: number;
  data: Buffer;
  md5: string;
  crc64: string;
}

function size(id: string, label: string, bytes: number, seed: number): SizeSpec {
  const data = patternBytes(bytes, seed);
  return {
    id,
    label,
    bytes,
    parts: bytes <= PART ? 1 : Math.ceil(bytes / PART),
    data,
    md5: createHash('md5').update(data).digest('hex'),
    crc64: crc64(data).toString(),
  };
}

export function matrixSizes(): SizeSpec[] {
  return [
    size('empty', '0 B', 0, 11),
    size('small', 'under one part', PART / 2 + 7, 12),
    size('several', '6 parts', 5 * PART + 1234, 13),
    size('many', '200 parts', 199 * PART + 4321, 14),
  ];
}

const multipart = (s: SizeSpec) => s.parts > 1;

/** Parts that get the fault: a few, including the last of a 200-part upload. */
function faultedParts(s: SizeSpec): number[] {
  if (s.parts >= 200) return [2, 100, s.parts];
  return [2, Math.min(4, s.parts)];
}

/** Add `rule` on the parts of a multipart upload, or on the single PutObject. */
function onParts(
  env: MatrixEnv,
  s: SizeSpec,
  rule: FaultAction & { times?: number | undefined },
): void {
  if (!multipart(s)) {
    env.oss.emulator.faults.add({ ...rule, operation: 'PutObject' } as FaultRule);
    return;
  }
  for (const partNumber of faultedParts(s)) {
    env.oss.emulator.faults.add({ ...rule, operation: 'UploadPart', partNumber } as FaultRule);
  }
}

export interface MatrixEnv {
  oss: OssFixture;
  /** Client with the bucket's own permanent key; also used to check outcomes. */
  client: OssClient;
  shortTimeoutClient: OssClient;
  expired: EmulatorCredential;
  fresh: EmulatorCredential;
  /** Every secret in play: key secrets and STS tokens. */
  secrets: string[];
  close(): Promise<void>;
}

function credential(prefix: string, token: boolean, expiresAt?: Date): EmulatorCredential {
  return {
    accessKeyId: `${prefix}${randomBytes(8).toString('hex')}`,
    accessKeySecret: `secret-${prefix}-${randomBytes(15).toString('hex')}`,
    securityToken: token ? `token-${prefix}-${randomBytes(24).toString('base64url')}` : undefined,
    expiresAt,
  };
}

export async function startMatrixEnv(): Promise<MatrixEnv> {
  const main = credential('LTAImain', false);
  const expired = credential('STSexpired', true, new Date(Date.now() - 3600_000));
  const fresh = credential('STSfresh', true);
  const oss = await startOss({ credentials: [main, expired, fresh] });
  const secrets = [main, expired, fresh].flatMap((c) =>
    [c.accessKeySecret, c.securityToken].filter((x): x is string => x !== undefined),
  );
  return {
    oss,
    client: oss.client,
    // More attempts: on a busy machine an unrelated request may also miss the short timeout.
    shortTimeoutClient: oss.clientWith({
      timeoutMs: SHORT_TIMEOUT_MS,
      retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 50 },
    }),
    expired,
    fresh,
    secrets,
    close: () => oss.close(),
  };
}

const stsOf = (c: EmulatorCredential) => ({
  accessKeyId: c.accessKeyId,
  accessKeySecret: c.accessKeySecret,
  securityToken: c.securityToken,
});

export interface CaseContext {
  env: MatrixEnv;
  key: string;
  size: SizeSpec;
  concurrency: number;
  client: OssClient;
  stream: UploadStream;
  controller: AbortController;
  /** Filled by the fault: anything worth reporting (e.g. provider calls). */
  notes: Record<string, unknown>;
  /** Start the fault's settleWithinMs bound now (the first call counts). */
  armSettleBound(): void;
}

export interface FaultSpec {
  id: string;
  label: string;
  side: 'server' | 'client';
  /** Sizes the fault cannot occur at (e.g. NoSuchUpload without a multipart upload). */
  appliesTo?(s: SizeSpec): boolean;
  expect(s: SizeSpec): Expectation;
  leavePartsOnError?: boolean;
  /**
   * The fault lets the server commit the object before the upload fails (a Complete answered
   * without an ETag, an abort after the commit): an object left at the key is then acceptable
   * when the error says `cleanedUp: false`.
   */
  objectMayRemain?: boolean;
  /**
   * A tighter bound than the matrix deadline, counted from the moment the fault arms it (the
   * abort, the stuck provider call): the case is 'hung' if it has not settled by then.
   */
  settleWithinMs?: number;
  client?(env: MatrixEnv, notes: Record<string, unknown>): OssClient;
  /** Faults or clock before the stream exists. */
  arrange?(env: MatrixEnv, s: SizeSpec): void;
  /** Hook the stream before the data flows. */
  attach?(ctx: CaseContext): void;
  source?(ctx: CaseContext): SourceOptions;
  /** Default: pipeline(source, stream). */
  run?(ctx: CaseContext, source: Readable): Promise<void>;
  /** Undo arrange() (always called, before the outcome is checked). */
  teardown?(env: MatrixEnv): void;
  /** Did the fault really happen? (Emulator rules are checked by their activations.) */
  fired?(ctx: CaseContext, clientAborts: number): boolean;
}

const error = (status: number, code: string, times: number) => ({
  kind: 'error' as const,
  status,
  code,
  times,
});

/** A 200 whose body is an OSS error document: a Complete that did not happen. */
const ERROR_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>5C3D8F2A1B4E6D7F8A9B0C1D</RequestId></Error>';

/** A well-formed Complete answer with its ETag missing (and no ETag header). */
const COMPLETE_WITHOUT_ETAG =
  '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult><Bucket>test-bucket</Bucket><Key>k</Key></CompleteMultipartUploadResult>';

/** Far beyond every deadline: a held request only ends because the client gives up. */
const HOLD_MS = 120_000;
/** An aborted upload must settle promptly, not after its request timeouts. */
const ABORT_SETTLES_MS = 5_000;

/** Add `rule` with a hook that aborts the case's signal the moment the fault acts. */
function abortWhen(ctx: CaseContext, rule: FaultRule): void {
  ctx.env.oss.emulator.faults.add({
    ...rule,
    onFire: () => {
      ctx.notes.fired = true;
      ctx.armSettleBound();
      ctx.controller.abort(new Error(`aborted while ${rule.operation} was held`));
    },
  });
}

export const FAULTS: FaultSpec[] = [
  {
    id: 'http-500',
    label: '500 InternalError (x2) on some parts',
    side: 'server',
    expect: () => 'recovered',
    arrange: (env, s) => onParts(env, s, error(500, 'InternalError', 2)),
  },
  {
    id: 'http-503',
    label: '503 ServiceUnavailable (x2) on some parts and on Initiate',
    side: 'server',
    expect: () => 'recovered',
    arrange: (env, s) => {
      onParts(env, s, error(503, 'ServiceUnavailable', 2));
      if (multipart(s)) {
        env.oss.emulator.faults.add({
          operation: 'InitiateMultipartUpload',
          ...error(503, 'ServiceUnavailable', 1),
        });
      }
    },
  },
  {
    id: 'http-500-persistent',
    label: '500 InternalError on every attempt of one part',
    side: 'server',
    expect: () => 'failed cleanly',
    arrange: (env, s) =>
      env.oss.emulator.faults.add({
        ...error(500, 'InternalError', 1000),
        ...(multipart(s)
          ? { operation: 'UploadPart', partNumber: faultedParts(s).at(-1) }
          : { operation: 'PutObject' }),
      } as FaultRule),
  },
  {
    id: 'http-503-persistent-leave-parts',
    label: '503 on every attempt of one part, leavePartsOnError',
    side: 'server',
    leavePartsOnError: true,
    expect: () => 'failed cleanly',
    arrange: (env, s) =>
      env.oss.emulator.faults.add({
        ...error(503, 'ServiceUnavailable', 1000),
        ...(multipart(s)
          ? { operation: 'UploadPart', partNumber: faultedParts(s).at(-1) }
          : { operation: 'PutObject' }),
      } as FaultRule),
  },
  {
    id: 'reset',
    label: 'connection reset mid-body on some parts',
    side: 'server',
    expect: () => 'recovered',
    // Half of the body by default; a bodiless request (empty PutObject) is cut at once.
    arrange: (env, s) => onParts(env, s, { kind: 'reset', times: 1 }),
  },
  {
    id: 'stall',
    label: `response stalled beyond timeoutMs (${SHORT_TIMEOUT_MS} ms) on some parts`,
    side: 'server',
    expect: () => 'recovered',
    client: (env) => env.shortTimeoutClient,
    arrange: (env, s) => onParts(env, s, { kind: 'stall', ms: 4 * SHORT_TIMEOUT_MS, times: 1 }),
    // The client gave up on the stalled request (the emulator saw it hang up).
    fired: (_ctx, clientAborts) => clientAborts >= 1,
  },
  {
    id: 'wrong-etag',
    label: 'wrong ETag answered for some parts',
    side: 'server',
    // A single PutObject is retried like a part (it is idempotent too).
    expect: () => 'recovered',
    arrange: (env, s) => onParts(env, s, { kind: 'wrong-etag', times: 1 }),
  },
  {
    id: 'wrong-crc',
    label: 'wrong part CRC-64 answered for some parts',
    side: 'server',
    expect: () => 'recovered',
    arrange: (env, s) => onParts(env, s, { kind: 'wrong-crc', times: 1 }),
  },
  {
    id: 'no-such-upload',
    label: 'upload aborted by someone else after the first part (NoSuchUpload)',
    side: 'server',
    appliesTo: multipart,
    // Usually fails; if every part and Complete were already through, the object exists.
    expect: () => 'either',
    fired: (ctx) => ctx.notes.abortedFromOutside === true,
    attach: (ctx) => {
      ctx.stream.once('part', () => {
        ctx.notes.abortedFromOutside = ctx.env.client
          .abortMultipartUpload(ctx.key, ctx.stream.uploadId as string)
          .then(
            () => true,
            (e: Error) => e.message,
          );
      });
    },
  },
  {
    id: 'complete-response-lost',
    label: 'Complete (PutObject when single) committed, response dropped',
    side: 'server',
    expect: () => 'recovered',
    arrange: (env, s) =>
      env.oss.emulator.faults.add({
        operation: multipart(s) ? 'CompleteMultipartUpload' : 'PutObject',
        kind: 'drop-response',
      }),
  },
  {
    id: 'expired-token-refreshed',
    label: '403 SecurityTokenExpired, provider refreshes',
    side: 'server',
    expect: () => 'recovered',
    client: (env, notes) => {
      let calls = 0;
      notes.providerCalls = () => calls;
      return env.oss.clientWith({
        credentials: async () => (++calls === 1 ? stsOf(env.expired) : stsOf(env.fresh)),
      });
    },
    fired: (ctx) => (ctx.notes.providerCalls as () => number)() >= 2,
  },
  {
    id: 'expired-token-midway',
    label: '403 SecurityTokenExpired (EC 0002-00000007) on some parts, provider refreshes',
    side: 'server',
    expect: () => 'recovered',
    client: (env, notes) => {
      let calls = 0;
      notes.providerCalls = () => calls;
      return env.oss.clientWith({
        credentials: async () => {
          calls++;
          return stsOf(env.fresh);
        },
      });
    },
    arrange: (env, s) =>
      onParts(env, s, {
        kind: 'error',
        status: 403,
        code: 'SecurityTokenExpired',
        ec: '0002-00000007',
        times: 1,
      }),
    fired: (ctx) => (ctx.notes.providerCalls as () => number)() >= 2,
  },
  {
    id: 'expired-token-static',
    label: '403 SecurityTokenExpired, static credentials',
    side: 'server',
    expect: () => 'failed cleanly',
    client: (env) => env.oss.clientWith({ credentials: stsOf(env.expired) }),
    fired: (ctx) =>
      (ctx.stream.uploadError?.cause as { ossCode?: string } | undefined)?.ossCode ===
      'SecurityTokenExpired',
  },
  {
    id: 'clock-skew',
    label: 'server clock 20 min ahead (RequestTimeTooSkewed)',
    side: 'server',
    expect: () => 'recovered',
    // A fresh client: the offset it learns stays with it.
    client: (env) => env.oss.clientWith({}),
    arrange: (env) => {
      env.oss.emulator.clock.offsetMs = 20 * 60 * 1000;
    },
    teardown: (env) => {
      env.oss.emulator.clock.offsetMs = 0;
    },
    // The client learned the server's offset (within a minute: Date has whole seconds).
    fired: (ctx) => Math.abs(ctx.client.clockOffsetMs - 20 * 60 * 1000) < 60_000,
  },
  {
    id: 'source-error',
    label: 'source stream errors halfway',
    side: 'client',
    expect: () => 'failed cleanly',
    source: (ctx) => ({
      at: {
        offset: ctx.size.bytes / 2,
        action: (source) => source.destroy(new Error('source failed: disk on fire')),
      },
    }),
  },
  {
    id: 'destroy',
    label: 'destroy() halfway',
    side: 'client',
    expect: () => 'failed cleanly',
    source: (ctx) => ({ at: { offset: ctx.size.bytes / 2, action: () => ctx.stream.destroy() } }),
  },
  {
    id: 'signal-abort',
    label: 'signal aborted halfway',
    side: 'client',
    expect: () => 'failed cleanly',
    source: (ctx) => ({
      at: {
        offset: ctx.size.bytes / 2,
        action: () => ctx.controller.abort(new Error('user cancelled')),
      },
    }),
  },
  {
    id: 'idle-source-signal',
    label: 'source goes quiet, caller aborts by signal after 200 ms',
    side: 'client',
    expect: () => 'failed cleanly',
    source: (ctx) => ({
      hangAtEnd: true,
      onDelivered: () => {
        setTimeout(() => ctx.controller.abort(new Error('no data for 200 ms')), 200);
      },
    }),
  },
  {
    id: 'never-ended-destroy',
    label: 'writer never calls end(), destroyed by a timer after 200 ms',
    side: 'client',
    expect: () => 'failed cleanly',
    source: (ctx) => ({
      onDelivered: () => {
        setTimeout(() => ctx.stream.destroy(), 200);
      },
    }),
    run: async (ctx, source) => {
      source.pipe(ctx.stream, { end: false });
      await finished(ctx.stream);
    },
  },
  {
    id: 'complete-200-error-body',
    label: 'Complete answered 200 with an <Error> body (not performed)',
    side: 'server',
    appliesTo: multipart,
    // A retried Complete succeeds; a failure must abort the upload.
    expect: () => 'either',
    arrange: (env) =>
      env.oss.emulator.faults.add({
        operation: 'CompleteMultipartUpload',
        kind: 'fake-response',
        status: 200,
        body: ERROR_BODY,
      }),
  },
  {
    id: 'complete-200-html',
    label: 'Complete answered 200 with an HTML page (not performed)',
    side: 'server',
    appliesTo: multipart,
    expect: () => 'either',
    arrange: (env) =>
      env.oss.emulator.faults.add({
        operation: 'CompleteMultipartUpload',
        kind: 'fake-response',
        status: 200,
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        contentType: 'text/html',
      }),
  },
  {
    id: 'complete-200-no-etag',
    label: 'Complete (PutObject when single) performed, answered 200 without an ETag',
    side: 'server',
    // The object exists: recovering it (HEAD) or failing with cleanedUp: false are both true.
    expect: () => 'either',
    objectMayRemain: true,
    arrange: (env, s) =>
      env.oss.emulator.faults.add(
        multipart(s)
          ? {
              operation: 'CompleteMultipartUpload',
              kind: 'fake-response',
              status: 200,
              body: COMPLETE_WITHOUT_ETAG,
              execute: true,
            }
          : { operation: 'PutObject', kind: 'fake-response', status: 200, execute: true },
      ),
  },
  {
    id: 'initiate-response-lost',
    label: 'Initiate performed, response dropped (an orphan upload exists)',
    side: 'server',
    appliesTo: multipart,
    // Recovered only if the orphan is found and aborted; a failure must abort it too.
    expect: () => 'either',
    arrange: (env) =>
      env.oss.emulator.faults.add({ operation: 'InitiateMultipartUpload', kind: 'drop-response' }),
  },
  {
    id: 'provider-never-settles-signal',
    label: 'credentials provider never settles, caller aborts by signal',
    side: 'client',
    expect: () => 'failed cleanly',
    settleWithinMs: ABORT_SETTLES_MS,
    client: (env, notes) =>
      env.oss.clientWith({
        credentials: () => {
          (notes.onProviderCall as (() => void) | undefined)?.();
          return new Promise(() => undefined);
        },
      }),
    attach: (ctx) => {
      ctx.notes.onProviderCall = () => {
        ctx.armSettleBound();
        ctx.controller.abort(new Error('provider is stuck'));
      };
    },
  },
  {
    id: 'provider-never-settles-timeout',
    label: `credentials provider never settles, no signal (timeoutMs ${SHORT_TIMEOUT_MS})`,
    side: 'client',
    expect: () => 'failed cleanly',
    settleWithinMs: 15_000,
    client: (env, notes) =>
      env.oss.clientWith({
        timeoutMs: SHORT_TIMEOUT_MS,
        credentials: () => {
          (notes.onProviderCall as (() => void) | undefined)?.();
          return new Promise(() => undefined);
        },
      }),
    attach: (ctx) => {
      ctx.notes.onProviderCall = () => ctx.armSettleBound();
    },
  },
  {
    id: 'abort-during-initiate',
    label: 'signal aborted while Initiate is stalled (not performed)',
    side: 'server',
    appliesTo: multipart,
    expect: () => 'failed cleanly',
    settleWithinMs: ABORT_SETTLES_MS,
    attach: (ctx) =>
      abortWhen(ctx, { operation: 'InitiateMultipartUpload', kind: 'stall', ms: HOLD_MS }),
    fired: (ctx) => ctx.notes.fired === true,
  },
  {
    id: 'abort-after-initiate-committed',
    label: 'signal aborted while the answer of a performed Initiate is held',
    side: 'server',
    appliesTo: multipart,
    // The upload exists on the server though the client never learnt its id: it must be found.
    expect: () => 'failed cleanly',
    settleWithinMs: ABORT_SETTLES_MS,
    attach: (ctx) =>
      abortWhen(ctx, { operation: 'InitiateMultipartUpload', kind: 'delay-response', ms: HOLD_MS }),
    fired: (ctx) => ctx.notes.fired === true,
  },
  {
    id: 'abort-during-complete',
    label: 'signal aborted while Complete (PutObject when single) is stalled (not performed)',
    side: 'server',
    expect: () => 'failed cleanly',
    settleWithinMs: ABORT_SETTLES_MS,
    attach: (ctx) =>
      abortWhen(ctx, {
        operation: multipart(ctx.size) ? 'CompleteMultipartUpload' : 'PutObject',
        kind: 'stall',
        ms: HOLD_MS,
      }),
    fired: (ctx) => ctx.notes.fired === true,
  },
  {
    id: 'abort-after-complete-committed',
    label: 'signal aborted while the answer of a performed Complete (PutObject) is held',
    side: 'server',
    // The object exists: the error must say cleanedUp: false (or the object be removed).
    expect: () => 'either',
    objectMayRemain: true,
    settleWithinMs: ABORT_SETTLES_MS,
    attach: (ctx) =>
      abortWhen(ctx, {
        operation: multipart(ctx.size) ? 'CompleteMultipartUpload' : 'PutObject',
        kind: 'delay-response',
        ms: HOLD_MS,
      }),
    fired: (ctx) => ctx.notes.fired === true,
  },
];

export interface CaseSpec {
  fault: FaultSpec;
  size: SizeSpec;
  concurrency: number;
}

/** The full cross product, or a covering subset: every fault x every size, concurrency rotating. */
export function matrixCases(full: boolean, sizes: SizeSpec[]): CaseSpec[] {
  const cases: CaseSpec[] = [];
  FAULTS.forEach((fault, f) => {
    sizes.forEach((s, i) => {
      if (fault.appliesTo && !fault.appliesTo(s)) return;
      const concurrencies = full ? CONCURRENCIES : [CONCURRENCIES[(f + i) % CONCURRENCIES.length]!];
      for (const concurrency of concurrencies) cases.push({ fault, size: s, concurrency });
    });
  });
  return cases;
}

export interface CaseResult {
  fault: string;
  size: string;
  bytes: number;
  concurrency: number;
  outcome: Outcome;
  expected: Expectation;
  ms: number;
  /** Why the outcome is what it is (failures and problems found). */
  detail: string[];
  errorCode: string | undefined;
  causeCode: string | undefined;
  /** Server faults: whether the injected fault was actually hit. */
  faultFired: boolean | undefined;
  secretHits: { secret: string; rendering: string }[];
  renderingsScanned: number;
  requests: Record<string, number>;
  clientAborts: number;
  notes: Record<string, unknown>;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

function codeOf(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as { code?: unknown; ossCode?: unknown };
    return [v.code, v.ossCode].filter((x) => typeof x === 'string').join('/') || undefined;
  }
  return undefined;
}

export async function runCase(
  env: MatrixEnv,
  spec: CaseSpec,
  deadlineMs: number,
): Promise<CaseResult> {
  const { fault, size: s, concurrency } = spec;
  const { emulator } = env.oss;
  const key = `matrix/${fault.id}/${s.id}/c${concurrency}`;
  const detail: string[] = [];
  const notes: Record<string, unknown> = {};
  emulator.faults.clear();
  emulator.stats.reset();
  emulator.clock.offsetMs = 0;

  const client = fault.client?.(env, notes) ?? env.client;
  fault.arrange?.(env, s);
  const pendingBefore = emulator.faults.pending();
  const controller = new AbortController();
  const stream = client.createUploadStream(key, {
    partSize: PART,
    concurrency,
    signal: controller.signal,
    leavePartsOnError: fault.leavePartsOnError ?? false,
  });

  // Every event the stream emits, for the secret scan and the part-number check.
  const events: { name: string; args: unknown[] }[] = [];
  const emit = stream.emit.bind(stream) as (name: string | symbol, ...args: unknown[]) => boolean;
  (stream as { emit: typeof emit }).emit = (name, ...args) => {
    events.push({ name: String(name), args });
    return emit(name, ...args);
  };
  // The outcome is read from the stream; an 'error' nobody else listens to must not crash.
  stream.on('error', () => undefined);
  let armBound: (() => void) | undefined;
  const bound = new Promise<number>((resolve) => {
    armBound = () => {
      const ms = fault.settleWithinMs;
      if (ms === undefined || armBound === undefined) return;
      armBound = undefined;
      setTimeout(() => resolve(ms), ms).unref();
    };
  });
  const ctx: CaseContext = {
    env,
    key,
    size: s,
    concurrency,
    client,
    stream,
    controller,
    notes,
    armSettleBound: () => armBound?.(),
  };
  fault.attach?.(ctx);
  const source = sourceOf(s.data, fault.source?.(ctx) ?? {});

  const started = Date.now();
  const running = (fault.run ?? ((c, src) => pipeline(src, c.stream)))(ctx, source);
  const settled = await Promise.race([
    running.then(
      () => ({ state: 'resolved' as const, error: undefined, why: '' }),
      (error: unknown) => ({ state: 'rejected' as const, error, why: '' }),
    ),
    delay(deadlineMs).then(() => ({
      state: 'hung' as const,
      error: undefined,
      why: `no outcome after ${deadlineMs} ms`,
    })),
    bound.then((ms) => ({
      state: 'hung' as const,
      error: undefined,
      why: `no outcome ${ms} ms after the fault acted`,
    })),
  ]);
  const ms = Date.now() - started;
  if (settled.state === 'hung') {
    detail.push(`${settled.why} (destroyed=${stream.destroyed}, inFlight=${stream.partsInFlight})`);
    stream.destroy();
    await Promise.race([finished(stream).catch(() => undefined), delay(10_000)]);
  }
  const pendingAfter = emulator.faults.pending();
  fault.teardown?.(env);
  emulator.faults.clear();
  if (notes.abortedFromOutside instanceof Promise) {
    notes.abortedFromOutside = await notes.abortedFromOutside;
  }
  const requests = Object.fromEntries(
    Object.entries(emulator.stats.requests).filter(([, n]) => n > 0),
  );
  const clientAborts = emulator.stats.clientAborts;

  let outcome: Outcome;
  if (settled.state === 'hung') {
    outcome = 'hung';
  } else if (settled.state === 'resolved') {
    outcome = (await checkObject(env, key, s, stream, events, detail))
      ? (await uploadsLeft(env, key, detail))
        ? 'leaked'
        : 'recovered'
      : 'lost';
  } else {
    outcome = (await checkCleanFailure(env, key, fault, stream, detail))
      ? 'failed cleanly'
      : 'failed dirty';
  }

  // Secrets: the rejection, every error the stream holds, every event payload, the result.
  const scanned: unknown[] = [
    settled.error,
    stream.errored,
    stream.uploadError,
    stream.result,
    ...events.flatMap((e) => e.args),
  ];
  const secretHits = findSecrets(scanned, env.secrets);

  let faultFired: boolean | undefined;
  if (fault.side === 'server') {
    faultFired = pendingBefore > 0 ? pendingAfter < pendingBefore : undefined;
    if (fault.fired) faultFired = (faultFired ?? true) && fault.fired(ctx, clientAborts);
  }
  // Leave nothing for the next case (and keep the emulator's memory small).
  await env.client.deleteObject(key).catch(() => undefined);
  for (const upload of await env.client.listMultipartUploads({ prefix: key })) {
    await env.client.abortMultipartUpload(upload.key, upload.uploadId);
  }
  if (typeof notes.providerCalls === 'function') notes.providerCalls = notes.providerCalls();
  const failure = stream.uploadError ?? settled.error;
  return {
    fault: fault.id,
    size: s.id,
    bytes: s.bytes,
    concurrency,
    outcome,
    expected: fault.expect(s),
    ms,
    detail,
    errorCode: codeOf(failure),
    causeCode: codeOf((failure as { cause?: unknown } | undefined)?.cause),
    faultFired,
    secretHits,
    renderingsScanned: scanned.length,
    requests,
    clientAborts,
    notes,
  };
}

async function checkObject(
  env: MatrixEnv,
  key: string,
  s: SizeSpec,
  stream: UploadStream,
  events: { name: string; args: unknown[] }[],
  detail: string[],
): Promise<boolean> {
  const result = stream.result;
  if (!result) {
    detail.push('resolved without a result');
    return false;
  }
  let ok = true;
  const problem = (text: string) => {
    ok = false;
    detail.push(text);
  };
  try {
    const { body } = await env.client.getObject(key);
    const hash = createHash('md5');
    let bytes = 0;
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const md5 = hash.digest('hex');
    if (md5 !== s.md5 || bytes !== s.bytes) {
      problem(`GET: ${bytes} bytes, md5 ${md5}; sent ${s.bytes} bytes, md5 ${s.md5}`);
    }
    const head = await env.client.headObject(key);
    if (head.crc64 !== result.crc64 || result.crc64 !== s.crc64) {
      problem(`CRC-64: HEAD ${head.crc64}, result ${result.crc64}, input ${s.crc64}`);
    }
  } catch (error) {
    problem(`object unreadable: ${(error as Error).message}`);
  }
  if (result.size !== s.bytes || result.partCount !== s.parts) {
    problem(`result: size ${result.size}, ${result.partCount} parts; expected ${s.parts}`);
  }
  if (s.parts > 1) {
    const numbers = events
      .filter((e) => e.name === 'part')
      .map((e) => (e.args[0] as PartEvent).partNumber)
      .sort((a, b) => a - b);
    const contiguous = numbers.length === s.parts && numbers.every((n, i) => n === i + 1);
    if (!contiguous) problem(`part events ${numbers.join(',')} are not 1..${s.parts}`);
  }
  return ok;
}

/** True (with a detail) when a multipart upload is still open at the key after a success. */
async function uploadsLeft(env: MatrixEnv, key: string, detail: string[]): Promise<boolean> {
  const open = (await env.client.listMultipartUploads({ prefix: key })).filter(
    (u) => u.key === key,
  );
  if (open.length > 0) detail.push(`resolved, but ${open.length} upload(s) left open at the key`);
  return open.length > 0;
}

async function checkCleanFailure(
  env: MatrixEnv,
  key: string,
  fault: FaultSpec,
  stream: UploadStream,
  detail: string[],
): Promise<boolean> {
  let ok = true;
  const problem = (text: string) => {
    ok = false;
    detail.push(text);
  };
  const error = stream.uploadError;
  if (!(error instanceof OssUploadError)) {
    problem(`stream.uploadError is ${String(error)}, not an OssUploadError`);
  }
  // Checked at once, as a caller would right after the rejection.
  const uploads = (await env.client.listMultipartUploads({ prefix: key })).filter(
    (u) => u.key === key,
  );
  let objectLeft = false;
  try {
    await env.client.headObject(key);
    objectLeft = true;
  } catch {
    // 404: nothing there
  }
  const reportedKept = error instanceof OssUploadError && !error.cleanedUp;
  if (objectLeft && !(fault.objectMayRemain && reportedKept)) {
    problem('an object was left at the key after the failure');
  } else if (objectLeft) {
    detail.push('the committed object was kept and reported (cleanedUp: false)');
  }
  if (uploads.length > 0 && !fault.leavePartsOnError) {
    problem(`${uploads.length} upload(s) left without leavePartsOnError`);
  }
  // cleanedUp: true is a promise that nothing is left; false only says the stream could not
  // confirm it (e.g. without working credentials), which is noted but is not a lie.
  const nothingLeft = uploads.length === 0 && !objectLeft;
  if (error instanceof OssUploadError && error.cleanedUp && !nothingLeft) {
    problem(
      `error.cleanedUp is true but ${uploads.length} upload(s) and ${objectLeft ? 'an' : 'no'} object are at the key`,
    );
  }
  if (error instanceof OssUploadError && !error.cleanedUp && nothingLeft) {
    detail.push('cleanedUp: false, though nothing is left');
  }
  if (fault.leavePartsOnError && error instanceof OssUploadError && error.uploadId) {
    if (!uploads.some((u) => u.uploadId === error.uploadId)) {
      problem('leavePartsOnError: the upload was not kept');
    }
  }
  return ok;
}

export interface Tally {
  cases: number;
  recovered: number;
  failedCleanly: number;
  failedDirty: number;
  leaked: number;
  lost: number;
  hung: number;
}

function tally(results: CaseResult[]): Tally {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  return {
    cases: results.length,
    recovered: count('recovered'),
    failedCleanly: count('failed cleanly'),
    failedDirty: count('failed dirty'),
    leaked: count('leaked'),
    lost: count('lost'),
    hung: count('hung'),
  };
}

export function meetsExpectation(r: CaseResult): boolean {
  if (r.expected === 'either') return r.outcome === 'recovered' || r.outcome === 'failed cleanly';
  return r.outcome === r.expected;
}

export async function writeReport(
  results: CaseResult[],
  sizes: SizeSpec[],
  full: boolean,
  paths: { json: string; md: string },
): Promise<Tally> {
  const total = tally(results);
  const byFault = FAULTS.map((f) => ({
    fault: f.id,
    label: f.label,
    side: f.side,
    notApplicable: sizes.filter((s) => f.appliesTo && !f.appliesTo(s)).map((s) => s.label),
    ...tally(results.filter((r) => r.fault === f.id)),
  }));
  const bySize = sizes.map((s) => ({
    size: s.id,
    label: s.label,
    bytes: s.bytes,
    ...tally(results.filter((r) => r.size === s.id)),
  }));
  const byConcurrency = CONCURRENCIES.map((c) => ({
    concurrency: c,
    ...tally(results.filter((r) => r.concurrency === c)),
  }));
  const secretHits = results.reduce((n, r) => n + r.secretHits.length, 0);
  const unexpected = results.filter((r) => !meetsExpectation(r)).length;
  const seconds = results.reduce((n, r) => n + r.ms, 0) / 1000;
  const mode = full ? 'full cross product (OSS_RELIABILITY_FULL=1)' : 'reduced covering subset';
  const json = {
    generated: new Date().toISOString(),
    mode,
    node: process.version,
    partSize: PART,
    sizes: sizes.map((s) => ({ id: s.id, label: s.label, bytes: s.bytes, parts: s.parts })),
    concurrencies: CONCURRENCIES,
    total,
    unexpected,
    secretHits,
    seconds,
    byFault,
    bySize,
    byConcurrency,
    cases: results,
  };
  const row = (name: string, t: Tally, extra = '') =>
    `| ${name} | ${t.cases} | ${t.recovered} | ${t.failedCleanly} | ${t.lost} | ${t.hung} | ${t.failedDirty} | ${t.leaked} |${extra}`;
  const header =
    '| | Cases | Recovered | Failed cleanly | Lost | Hung | Failed, not cleanly | Resolved, upload left |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|---:|';
  const md = [
    '# Reliability: fault matrix outcomes',
    '',
    `Generated by \`spec/reliability-matrix.spec.ts\` (${mode}) on ${json.generated.slice(0, 10)}, Node ${process.version}, against the bundled emulator over HTTP on 127.0.0.1.`,
    `Sizes: ${sizes.map((s) => `${s.label} (${s.bytes} B)`).join(', ')}; part size ${PART / 1024} KiB; concurrency ${CONCURRENCIES.join(', ')}.`,
    '',
    '**Recovered**: the upload resolved, the object is byte-identical (GET MD5 and size equal the input; HEAD CRC-64 equals `result.crc64` and the CRC-64 of the input) and no upload is left open at the key. ',
    '**Failed cleanly**: one `OssUploadError`, no upload left (ListMultipartUploads empty, unless `leavePartsOnError`) and no object at the key (unless the server committed it before the failure and the error says `cleanedUp: false`), with `cleanedUp` checked against the server right after the failure. ',
    '**Lost** (resolved, object wrong or missing), **hung** (no outcome within the deadline, or within the bound of an abort), **failed, not cleanly** and **resolved, upload left** must all be zero.',
    '',
    header,
    rule,
    ...byFault.map((f) =>
      row(`${f.label}${f.notApplicable.length ? ` (n/a: ${f.notApplicable.join(', ')})` : ''}`, f),
    ),
    row('**Total**', total),
    '',
    header.replace('| |', '| Size |'),
    rule,
    ...bySize.map((s) => row(`${s.label} (${s.bytes} B)`, s)),
    '',
    header.replace('| |', '| Concurrency |'),
    rule,
    ...byConcurrency.map((c) => row(String(c.concurrency), c)),
    '',
    `Outcomes other than the expected one for their fault: ${unexpected}. Access key secrets or security tokens found in any error message, \`String(err)\`, \`util.inspect(err, { depth: 10 })\`, \`JSON.stringify(err)\` or event payload: ${secretHits}. Total time ${seconds.toFixed(1)} s.`,
    '',
  ].join('\n');
  await mkdir(dirname(paths.json), { recursive: true });
  await writeFile(paths.json, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(paths.md, md);
  // The full run into benchmarks/results is the one the README shows.
  if (full && paths.md.endsWith('benchmarks/results/reliability.md')) {
    await updateReadmeSection('reliability', md);
  }
  return total;
}
