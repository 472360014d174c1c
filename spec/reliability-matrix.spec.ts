/**
 * Fault matrix: every emulator fault and every caller-side failure, crossed with sizes
 * (0, under one part, 6 parts, 200 parts at 100 KiB) and concurrency (1, 4, 16). Each case must
 * end recovered (byte-identical object, no upload left open) or failed cleanly (one
 * OssUploadError, nothing left, `cleanedUp` true to the server's state); lost, hung, leaked and
 * dirty cases fail the suite. No secret may appear in any error or event.
 *
 * By default a covering subset runs (every fault x every size, concurrency rotating over 1, 4,
 * 16). OSS_RELIABILITY_FULL=1 runs the full cross product and writes the outcome table to
 * benchmarks/results/reliability.{json,md} (shown in the README); the subset writes its table
 * to the OS temp dir unless OSS_RELIABILITY_OUT names a path prefix.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CaseResult,
  FAULTS,
  type FaultSpec,
  type MatrixEnv,
  matrixCases,
  matrixSizes,
  meetsExpectation,
  runCase,
  startMatrixEnv,
  writeReport,
} from './helpers/reliability/matrix.ts';
import { findSecrets } from './helpers/reliability/secrets.ts';

const FULL = process.env.OSS_RELIABILITY_FULL === '1';
const DEADLINE_MS = Number(process.env.OSS_RELIABILITY_DEADLINE_MS ?? 30_000);
const OUT =
  process.env.OSS_RELIABILITY_OUT ??
  (FULL
    ? join(import.meta.dirname, '..', 'benchmarks', 'results', 'reliability')
    : join(tmpdir(), 'oss-reliability-subset'));

const sizes = matrixSizes();
const cases = matrixCases(FULL, sizes);
const results: CaseResult[] = [];

let env: MatrixEnv;
beforeAll(async () => {
  env = await startMatrixEnv();
});
afterAll(() => env?.close());

describe('the secret scanner finds what it looks for', () => {
  it('reports a secret hidden in a nested cause, an extra field or an event payload', () => {
    const secret = 'very-secret-value-123';
    const inner = Object.assign(new Error('inner'), { extra: { StringToSign: `x\n${secret}` } });
    const outer = new Error('outer', { cause: inner });
    expect(findSecrets([outer], [secret])).not.toHaveLength(0);
    expect(findSecrets([{ payload: { deep: { deeper: [secret] } } }], [secret])).not.toHaveLength(
      0,
    );
    expect(findSecrets([outer, { a: 1n }], ['absent-secret'])).toHaveLength(0);
    // Encoded forms: OSS echoes the string to sign as spaced upper-case hex (StringToSignBytes).
    const spaced = Buffer.from(secret)
      .toString('hex')
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1 ');
    const hits = findSecrets([{ extra: { StringToSignBytes: `50 55 54 0A ${spaced}` } }], [secret]);
    expect(hits.map((h) => h.form)).toContain('spaced hex');
    expect(findSecrets([Buffer.from(secret).toString('base64')], [secret])).not.toHaveLength(0);
  });
});

describe('the classifier recognises every bad outcome', () => {
  const small = () => sizes.find((s) => s.id === 'several')!;
  const synthetic = (fault: Partial<FaultSpec>): FaultSpec => ({
    id: `synthetic-${fault.id}`,
    label: 'synthetic',
    side: 'client',
    expect: () => 'recovered',
    ...fault,
  });

  it('hung: an upload that never settles', async () => {
    const fault = synthetic({ id: 'hung', run: () => new Promise(() => undefined) });
    const result = await runCase(env, { fault, size: small(), concurrency: 4 }, 300);
    expect(result.outcome).toBe('hung');
  });

  it('lost: resolved, but the stored object is not what was sent', async () => {
    const fault = synthetic({
      id: 'lost',
      run: async (ctx, source) => {
        await pipeline(source, ctx.stream);
        await ctx.env.client.putObject(ctx.key, Buffer.from('something else'));
      },
    });
    const result = await runCase(env, { fault, size: small(), concurrency: 4 }, 10_000);
    expect(result.outcome).toBe('lost');
    expect(result.detail.join()).toMatch(/GET/);
  });

  it('failed dirty: failed, with an upload left behind', async () => {
    const fault = synthetic({
      id: 'dirty',
      source: (ctx) => ({
        at: {
          offset: ctx.size.bytes / 2,
          action: (source) => source.destroy(new Error('source failed')),
        },
      }),
      // Someone else opened an upload on the same key a while ago: the stream does not clean
      // that up (its search for uploads an unanswered Initiate may have made only looks at those
      // initiated since shortly before its own first attempt).
      run: async (ctx, source) => {
        ctx.env.oss.emulator.clock.offsetMs = -120_000;
        await ctx.env.client.initiateMultipartUpload(ctx.key);
        ctx.env.oss.emulator.clock.offsetMs = 0;
        await pipeline(source, ctx.stream);
      },
    });
    const result = await runCase(env, { fault, size: small(), concurrency: 4 }, 10_000);
    expect(result.outcome).toBe('failed dirty');
    expect(result.detail.join()).toMatch(/upload\(s\) left/);
  });

  it('failed dirty: cleanedUp says true while an object is at the key', async () => {
    const fault = synthetic({
      id: 'untrue',
      // The fault says a committed object may remain, but only if the error admits it.
      objectMayRemain: true,
      source: (ctx) => ({
        at: {
          offset: ctx.size.bytes / 2,
          action: (source) => source.destroy(new Error('source failed')),
        },
      }),
      // The stream cleans up truthfully; then an object appears, so its cleanedUp: true no
      // longer matches the server's state when the outcome is checked.
      run: (ctx, source) =>
        pipeline(source, ctx.stream).catch(async (error: unknown) => {
          await ctx.env.client.putObject(ctx.key, Buffer.from('someone else'));
          throw error;
        }),
    });
    const result = await runCase(env, { fault, size: small(), concurrency: 4 }, 10_000);
    expect(result.outcome).toBe('failed dirty');
    expect(result.detail.join()).toMatch(/cleanedUp is true but 0 upload\(s\) and an object/);
  });

  it('hung: an abort that settles later than settleWithinMs', async () => {
    const fault = synthetic({
      id: 'slow',
      settleWithinMs: 200,
      run: (ctx) => {
        ctx.armSettleBound();
        return new Promise((resolve) => setTimeout(resolve, 2_000));
      },
    });
    const result = await runCase(env, { fault, size: small(), concurrency: 4 }, 10_000);
    expect(result.outcome).toBe('hung');
  });

  it('leaked: resolved with the right object, an upload left open at the key', async () => {
    const fault = synthetic({
      id: 'leaked',
      run: async (ctx, source) => {
        await ctx.env.client.initiateMultipartUpload(ctx.key);
        await pipeline(source, ctx.stream);
      },
    });
    const result = await runCase(env, { fault, size: small(), concurrency: 4 }, 10_000);
    expect(result.outcome).toBe('leaked');
    expect(result.detail.join()).toMatch(/upload\(s\) left open/);
  });
});

describe(`fault matrix (${FULL ? 'full' : 'subset'}: ${cases.length} cases)`, () => {
  it('covers every fault at every size and every concurrency', () => {
    for (const fault of FAULTS) {
      for (const s of sizes) {
        if (fault.appliesTo && !fault.appliesTo(s)) continue;
        expect(cases.some((c) => c.fault === fault && c.size === s)).toBe(true);
      }
    }
    expect(new Set(cases.map((c) => c.concurrency))).toEqual(new Set([1, 4, 16]));
  });

  for (const spec of cases) {
    const name = `${spec.fault.id} | ${spec.size.label} | concurrency ${spec.concurrency}`;
    it(name, { timeout: DEADLINE_MS + 60_000 }, async () => {
      const result = await runCase(env, spec, DEADLINE_MS);
      results.push(result);
      const summary = `${result.outcome} (expected ${result.expected}) in ${result.ms} ms; ${result.detail.join('; ')}; error ${result.errorCode} <- ${result.causeCode}`;
      expect(result.secretHits, summary).toEqual([]);
      expect(['lost', 'hung', 'failed dirty', 'leaked'], summary).not.toContain(result.outcome);
      expect(meetsExpectation(result), summary).toBe(true);
      if (result.faultFired !== undefined) expect(result.faultFired, summary).toBe(true);
    });
  }

  it('writes the outcome table; lost and hung are zero', async () => {
    expect(results).toHaveLength(cases.length);
    const total = await writeReport(results, sizes, FULL, {
      json: `${OUT}.json`,
      md: `${OUT}.md`,
    });
    console.log(`reliability table written to ${OUT}.md`, total);
    expect(total.lost).toBe(0);
    expect(total.hung).toBe(0);
    expect(total.failedDirty).toBe(0);
    expect(total.leaked).toBe(0);
    expect(total.recovered + total.failedCleanly).toBe(total.cases);
  });
});
