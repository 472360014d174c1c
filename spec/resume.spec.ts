/**
 * Resume: an upload interrupted by a crash (a child process killed with SIGKILL
 * midway, leavePartsOnError) is continued with `resume: { uploadId }`. The source is re-read
 * from the start; parts already on the server whose MD5 matches are not sent again.
 *
 * "Not sent again" is checked on the server: before resuming, a zero-length stall rule is
 * added for each part number already stored; a rule is consumed only if a request for that
 * part arrives, so the rules still pending afterwards prove those parts never came back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { md5Base64 } from '../lib/checksum/md5.ts';
import { OssUploadError } from '../lib/errors.ts';
import type { PartEvent } from '../lib/upload-stream.ts';
import {
  BUCKET,
  generatedSource,
  hashingTap,
  md5OfObject,
  patternBytes,
  useOss,
} from './helpers/oss.ts';
import { sourceOf } from './helpers/reliability/sources.ts';

const PART = 100 * 1024;
const NODE = join(import.meta.dirname, '..', 'node_modules', '.bin', 'node');
const CHILD = join(import.meta.dirname, 'fixtures', 'resume-child.ts');

const oss = useOss();

/** Rules that are consumed only if a request for one of these parts arrives. */
function sentinels(partNumbers: number[]): void {
  for (const partNumber of partNumbers) {
    oss.emulator.faults.add({ operation: 'UploadPart', partNumber, kind: 'stall', ms: 0 });
  }
}

/** Part numbers of the skipped parts, in order (parts settle in any order). */
const skippedParts = (parts: PartEvent[]) =>
  parts
    .filter((p) => p.skipped)
    .map((p) => p.partNumber)
    .sort((a, b) => a - b);

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Resume in-process from a fresh copy of the same generated source. */
async function resume(
  key: string,
  uploadId: string,
  size: number,
  options: { chunkSize: number; seed: number; concurrency: number; contentLength?: number },
) {
  const stream = oss.client.createUploadStream(key, {
    partSize: PART,
    concurrency: options.concurrency,
    resume: { uploadId },
    ...(options.contentLength === undefined ? {} : { contentLength: options.contentLength }),
  });
  const parts: PartEvent[] = [];
  stream.on('part', (p: PartEvent) => parts.push(p));
  const tap = hashingTap();
  await pipeline(generatedSource(size, options.chunkSize, options.seed), tap, stream);
  return { stream, parts, tap };
}

interface ChildLine {
  event: string;
  uploadId?: string;
  partNumber?: number;
  message?: string;
}

describe('resume after a crash', () => {
  it('continues an upload whose process was killed with SIGKILL midway', async () => {
    const key = 'resume/after-sigkill.bin';
    const size = 12 * PART + 4321; // 13 parts
    const total = 13;
    const acknowledged = 5;
    const source = { chunkSize: 48 * 1024, seed: 4242 };
    // Parts after the fifth hang on the server, so the kill lands with parts in flight.
    for (const partNumber of range(acknowledged + 1, total)) {
      oss.emulator.faults.add({ operation: 'UploadPart', partNumber, kind: 'stall', ms: 120_000 });
    }
    const child: ChildProcess = spawn(NODE, [CHILD], {
      env: {
        ...process.env,
        OSS_RESUME_CHILD: JSON.stringify({
          endpoint: oss.emulator.endpoint,
          region: oss.emulator.region,
          bucket: BUCKET,
          credentials: oss.emulator.credentials,
          key,
          size,
          partSize: PART,
          concurrency: 2,
          ...source,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = once(child, 'exit');
    let uploadId: string | undefined;
    const seen = new Set<number>();
    try {
      const lines = createInterface({ input: child.stdout! });
      const deadline = setTimeout(() => lines.close(), 30_000);
      for await (const text of lines) {
        const line = JSON.parse(text) as ChildLine;
        if (line.event === 'initiated') uploadId = line.uploadId;
        if (line.event === 'part') seen.add(line.partNumber!);
        if (line.event === 'failed' || line.event === 'finished') break;
        if (seen.size >= acknowledged) break;
      }
      clearTimeout(deadline);
      expect(seen, stderr).toEqual(new Set(range(1, acknowledged)));
      expect(uploadId).toMatch(/\S/);
      // The next parts are on the wire (stalled) when the process dies.
      while (oss.emulator.stats.inFlight < 2) await new Promise((r) => setTimeout(r, 10));
    } finally {
      child.kill('SIGKILL');
    }
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });

    // The server has the upload with exactly the acknowledged parts.
    oss.emulator.faults.clear();
    const listed = await oss.client.listParts(key, uploadId!);
    expect(listed.map((p) => p.partNumber)).toEqual(range(1, acknowledged));

    oss.emulator.stats.reset();
    // A slow listing: every part that starts meanwhile must wait for this one answer.
    oss.emulator.faults.add({ operation: 'ListParts', kind: 'stall', ms: 200 });
    sentinels(range(1, acknowledged));
    const { stream, parts, tap } = await resume(key, uploadId!, size, {
      ...source,
      concurrency: 3,
    });
    // None of the stored parts was sent again; every other part was sent once.
    expect(oss.emulator.faults.pending()).toBe(acknowledged);
    expect(oss.emulator.stats.requests.UploadPart).toBe(total - acknowledged);
    expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(0);
    const skipped = parts.filter((p) => p.skipped).map((p) => p.partNumber);
    const sent = parts.filter((p) => !p.skipped).map((p) => p.partNumber);
    expect(skipped.sort((a, b) => a - b)).toEqual(range(1, acknowledged));
    expect(sent.sort((a, b) => a - b)).toEqual(range(acknowledged + 1, total));

    // Byte-identical, by MD5 of what the source produced and by CRC-64.
    expect(stream.result).toMatchObject({ uploadId, size, partCount: total });
    expect(await md5OfObject(oss.client, key)).toEqual({ md5: tap.digest(), size });
    expect((await oss.client.headObject(key)).crc64).toBe(stream.result?.crc64);
    expect(await oss.client.listMultipartUploads({ prefix: key })).toEqual([]);
    // The server's parts are listed once per resume, not once per part in flight.
    expect(oss.emulator.stats.requests.ListParts).toBe(1);
  });

  it('sends again a stored part whose MD5 does not match the source', async () => {
    const key = 'resume/changed-part.bin';
    const data = patternBytes(4 * PART + 10, 77);
    const { uploadId } = await oss.client.initiateMultipartUpload(key);
    for (const partNumber of [1, 2, 3]) {
      let body = data.subarray((partNumber - 1) * PART, partNumber * PART);
      // Part 2 on the server has the right size but different bytes.
      if (partNumber === 2) body = Buffer.from(body).fill(0x55, 0, 100);
      await oss.client.uploadPart(key, uploadId, partNumber, body, { contentMd5: md5Base64(body) });
    }
    oss.emulator.stats.reset();
    sentinels([1, 2, 3]);
    const stream = oss.client.createUploadStream(key, { partSize: PART, resume: { uploadId } });
    const parts: PartEvent[] = [];
    stream.on('part', (p: PartEvent) => parts.push(p));
    await pipeline(sourceOf(data, { chunkSize: 10_000 }), stream);
    // Parts 1 and 3 were skipped (their rules are still pending); 2, 4 and 5 were sent.
    expect(oss.emulator.faults.pending()).toBe(2);
    expect(oss.emulator.stats.requests.UploadPart).toBe(3);
    expect(parts.filter((p) => p.skipped).map((p) => p.partNumber)).toEqual([1, 3]);
    // The part event says which stored part was replaced by other bytes.
    expect(parts.filter((p) => p.replaced).map((p) => p.partNumber)).toEqual([2]);
    expect(await oss.client.getObjectBuffer(key)).toEqual(data);
  });

  /** A first run that stops with parts 1..kept stored (a permanent error on the next one). */
  async function interruptedUpload(key: string, data: Buffer, kept: number, partSize: number) {
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: kept + 1,
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
      times: Number.POSITIVE_INFINITY,
    });
    const first = oss.client.createUploadStream(key, {
      partSize,
      concurrency: 1,
      leavePartsOnError: true,
    });
    await pipeline(sourceOf(data, { chunkSize: 8192 }), first).catch(() => undefined);
    oss.emulator.faults.clear();
    const uploadId = first.uploadError?.uploadId as string;
    expect(oss.emulator.listUploads(BUCKET).find((u) => u.uploadId === uploadId)?.parts).toBe(kept);
    return uploadId;
  }

  it('a different partSize option on resume cuts at the stored part size: no part sent twice', async () => {
    const key = 'resume/other-part-size.bin';
    const data = patternBytes(7 * PART + 123, 31);
    const uploadId = await interruptedUpload(key, data, 3, PART);
    oss.emulator.stats.reset();
    sentinels([1, 2, 3]);
    const stream = oss.client.createUploadStream(key, {
      partSize: 3 * PART,
      resume: { uploadId },
    });
    const parts: PartEvent[] = [];
    stream.on('part', (p: PartEvent) => parts.push(p));
    await pipeline(sourceOf(data, { chunkSize: 10_000 }), stream);
    expect(oss.emulator.faults.pending()).toBe(3);
    expect(skippedParts(parts)).toEqual([1, 2, 3]);
    expect(oss.emulator.stats.requests.UploadPart).toBe(5);
    expect(stream.result?.partCount).toBe(8);
    expect(await oss.client.getObjectBuffer(key)).toEqual(data);
  });

  it("resume: 'latest' continues the newest upload of the key", async () => {
    const key = 'resume/latest.bin';
    const data = patternBytes(5 * PART + 1, 5);
    const older = await oss.client.initiateMultipartUpload(key);
    // Initiated times differ by at least a millisecond: the newer one is unambiguous.
    const after = Date.now() + 2;
    while (Date.now() < after) await new Promise((resolve) => setImmediate(resolve));
    const newest = await interruptedUpload(key, data, 2, PART);
    oss.emulator.stats.reset();
    const stream = oss.client.createUploadStream(key, { partSize: PART, resume: 'latest' });
    const initiated: string[] = [];
    stream.on('initiated', ({ uploadId }) => initiated.push(uploadId));
    const parts: PartEvent[] = [];
    stream.on('part', (p: PartEvent) => parts.push(p));
    await pipeline(sourceOf(data, { chunkSize: 10_000 }), stream);
    expect(initiated).toEqual([newest]);
    expect(stream.result?.uploadId).toBe(newest);
    expect(skippedParts(parts)).toEqual([1, 2]);
    expect(oss.emulator.stats.requests.InitiateMultipartUpload).toBe(0);
    expect(await oss.client.getObjectBuffer(key)).toEqual(data);
    await oss.client.abortMultipartUpload(key, older.uploadId);
  });

  it("resume: 'latest' with no upload of the key starts a new one", async () => {
    const key = 'resume/latest-none.bin';
    const data = patternBytes(2 * PART + 5, 6);
    const result = await oss.client.upload(key, data, { partSize: PART, resume: 'latest' });
    expect(result.partCount).toBe(3);
    expect(await oss.client.getObjectBuffer(key)).toEqual(data);
  });

  it('follows every ListParts page: 1001 parts stored, 2 pages, none sent again', {
    timeout: 120_000,
  }, async () => {
    const key = 'resume/thousand-parts.bin';
    const total = 1003;
    const size = (total - 1) * PART + 99;
    // contentLength keeps every part at 100 KiB (unknown-length streams grow after part 1000).
    const source = { chunkSize: 256 * 1024, seed: 99, concurrency: 4, contentLength: size };
    // The first run dies at part 1002 (a permanent error), keeping parts 1..1001.
    oss.emulator.faults.add({
      operation: 'UploadPart',
      partNumber: 1002,
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
      times: Number.POSITIVE_INFINITY,
    });
    const first = oss.client.createUploadStream(key, {
      partSize: PART,
      concurrency: 1,
      contentLength: size,
      leavePartsOnError: true,
    });
    const failure = await pipeline(
      generatedSource(size, source.chunkSize, source.seed),
      first,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeDefined();
    expect(first.uploadError).toBeInstanceOf(OssUploadError);
    expect(first.uploadError?.cleanedUp).toBe(false);
    const uploadId = first.uploadError?.uploadId as string;
    oss.emulator.faults.clear();
    const stored = oss.emulator.listUploads(BUCKET).find((u) => u.uploadId === uploadId);
    expect(stored?.parts).toBe(1001);

    oss.emulator.stats.reset();
    sentinels(range(1, 1001));
    const { stream, parts, tap } = await resume(key, uploadId, size, source);
    // Two pages (1000 + 1); without the second, part 1001 would have been sent again.
    expect(oss.emulator.stats.requests.ListParts).toBeGreaterThanOrEqual(2);
    expect(oss.emulator.faults.pending()).toBe(1001);
    expect(oss.emulator.stats.requests.UploadPart).toBe(2);
    expect(parts.filter((p) => p.skipped)).toHaveLength(1001);
    expect(stream.result?.partCount).toBe(total);
    expect(await md5OfObject(oss.client, key)).toEqual({ md5: tap.digest(), size });
    await oss.client.deleteObject(key);
  });

  it('listParts follows NextPartNumberMarker page by page', async () => {
    const key = 'resume/paged.bin';
    const { uploadId } = await oss.client.initiateMultipartUpload(key);
    for (const partNumber of range(1, 7)) {
      const body = Buffer.from(`part ${partNumber}`);
      await oss.client.uploadPart(key, uploadId, partNumber, body, { contentMd5: md5Base64(body) });
    }
    oss.emulator.stats.reset();
    const parts = await oss.client.listParts(key, uploadId, { pageSize: 3 });
    expect(parts.map((p) => p.partNumber)).toEqual(range(1, 7));
    expect(oss.emulator.stats.requests.ListParts).toBe(3);
    await oss.client.abortMultipartUpload(key, uploadId);
  });

  it('resuming an unknown upload id fails with a typed error and sends no part', async () => {
    const stream = oss.client.createUploadStream('resume/unknown.bin', {
      partSize: PART,
      resume: { uploadId: 'DOES-NOT-EXIST-0123456789' },
    });
    const error = await pipeline(sourceOf(patternBytes(3 * PART)), stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(stream.uploadError).toBeInstanceOf(OssUploadError);
    expect(stream.uploadError?.cause).toMatchObject({ ossCode: 'NoSuchUpload' });
    expect(oss.emulator.stats.requests.UploadPart).toBe(0);
    expect(oss.emulator.stats.requests.CompleteMultipartUpload).toBe(0);
  });
});
