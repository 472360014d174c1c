/**
 * The benchmark harness must not rot silently: the sink answers both dialects correctly
 * (the library for OSS, the AWS SDK for S3, raw requests for the details), and a contender
 * script runs in its own process on a small size and prints a valid, verified JSON result.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_MEMORY_LIMIT, planCases } from '../benchmarks/harness/plan.ts';
import { runContender, startServer } from '../benchmarks/harness/processes.ts';
import { updateReadmeSection } from '../benchmarks/harness/readme.ts';
import { generatedSource } from '../benchmarks/shared/generated-source.ts';
import { SINK_CONSTANT_ETAG, SINK_CREDENTIALS, startSink } from '../benchmarks/sink/sink.ts';
import { OssClient } from '../lib/client.ts';

const BUCKET = 'bench-bucket';
type Sink = Awaited<ReturnType<typeof startSink>>;
let sink: Sink;

beforeAll(async () => {
  sink = await startSink();
});
afterAll(async () => {
  await sink.close();
});

function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${sink.endpoint}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function md5(data: Buffer): { hex: string; base64: string } {
  const digest = createHash('md5').update(data).digest();
  return { hex: digest.toString('hex').toUpperCase(), base64: digest.toString('base64') };
}

async function controlObject(key: string): Promise<{ size: number; partCount: number }> {
  const query = new URLSearchParams({ bucket: BUCKET, key });
  const response = await fetch(`${sink.control}/object?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { size: number; partCount: number };
}

describe('benchmark sink, raw requests', () => {
  it('answers the multipart sequence with well-formed XML, MD5 ETags and no CRC', async () => {
    const init = await raw('POST', `/${BUCKET}/raw/key?uploads`);
    expect(init.status).toBe(200);
    expect(init.headers['x-oss-request-id']).toBeTruthy();
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1];
    expect(init.body).toMatch(/^<\?xml[^>]*>\n<InitiateMultipartUploadResult>/);
    expect(init.body).toContain(`<Bucket>${BUCKET}</Bucket><Key>raw/key</Key>`);
    expect(uploadId).toBeTruthy();

    const body = Buffer.alloc(150_000, 3);
    const { hex, base64 } = md5(body);
    const part1 = await raw(
      'PUT',
      `/${BUCKET}/raw/key?partNumber=1&uploadId=${uploadId}`,
      { 'content-md5': base64 },
      body,
    );
    expect(part1.status).toBe(200);
    expect(part1.headers.etag).toBe(`"${hex}"`);
    expect(part1.headers['x-oss-hash-crc64ecma']).toBeUndefined();
    const part2 = await raw(
      'PUT',
      `/${BUCKET}/raw/key?partNumber=2&uploadId=${uploadId}`,
      {},
      Buffer.alloc(10),
    );
    expect(part2.headers.etag).toBe(SINK_CONSTANT_ETAG);

    const list = await raw('GET', `/${BUCKET}/raw/key?uploadId=${uploadId}`);
    expect(list.body).toContain('<PartNumber>1</PartNumber>');
    expect(list.body).toContain('<Size>150000</Size>');

    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${hex}"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>`;
    const complete = await raw(
      'POST',
      `/${BUCKET}/raw/key?uploadId=${uploadId}&encoding-type=url`,
      {},
      Buffer.from(xml),
    );
    expect(complete.status).toBe(200);
    expect(complete.body).toContain('<CompleteMultipartUploadResult>');
    expect(complete.body).toContain('<EncodingType>url</EncodingType>');
    expect(complete.body).toContain('<Key>raw%2Fkey</Key>');
    expect(complete.headers.etag).toMatch(/^"[0-9A-F]{32}-2"$/);
    expect(await controlObject('raw/key')).toMatchObject({ size: 150_010, partCount: 2 });

    const again = await raw('DELETE', `/${BUCKET}/raw/key?uploadId=${uploadId}`);
    expect(again.status).toBe(404);
    expect(again.body).toContain('<Code>NoSuchUpload</Code>');
  });

  it('reads the bucket from a virtual-hosted Host header (as ali-oss sends it)', async () => {
    const put = await raw(
      'PUT',
      '/vh/key',
      { host: `${BUCKET}.oss-cn-hangzhou.aliyuncs.com`, 'content-length': '5' },
      Buffer.from('hello'),
    );
    expect(put.status).toBe(200);
    expect(await controlObject('vh/key')).toMatchObject({ size: 5, partCount: 1 });
  });

  it('speaks S3 (namespace, x-amz-request-id) when the request is signed AWS4', async () => {
    const init = await raw('POST', `/${BUCKET}/s3raw?uploads`, {
      authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request',
    });
    expect(init.headers['x-amz-request-id']).toBeTruthy();
    expect(init.body).toContain(
      '<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    );
    const unknown = await raw('POST', `/${BUCKET}/s3raw?tagging`, { 'x-amz-date': 'x' });
    expect(unknown.status).toBe(501);
    expect(unknown.body).toContain('<Code>NotImplemented</Code>');
  });
});

describe('benchmark sink, real clients', () => {
  it('takes a multipart upload from this library (OSS dialect, MD5 ETags checked)', async () => {
    const client = new OssClient({
      endpoint: sink.endpoint,
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: SINK_CREDENTIALS,
    });
    try {
      const result = await client.upload('lib/object', generatedSource(300_000, 16_384), {
        partSize: 102_400,
      });
      expect(result.partCount).toBe(3);
      expect(result.size).toBe(300_000);
      expect(await controlObject('lib/object')).toMatchObject({ size: 300_000, partCount: 3 });
      const small = await client.upload('lib/small', generatedSource(1000));
      expect(small.uploadId).toBeNull();
      expect(await controlObject('lib/small')).toMatchObject({ size: 1000, partCount: 1 });
    } finally {
      client.close();
    }
  });

  it('takes S3 requests from the AWS SDK and a lib-storage Upload', async () => {
    const s3 = new S3Client({
      endpoint: sink.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 's3/a' }),
      );
      expect(UploadId).toBeTruthy();
      const body = Buffer.alloc(1000, 9);
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 's3/a',
          UploadId,
          PartNumber: 1,
          Body: body,
          ContentMD5: md5(body).base64,
        }),
      );
      expect(part.ETag).toBe(`"${md5(body).hex}"`);
      const listed = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 's3/a', UploadId }));
      expect(listed.Parts?.[0]).toMatchObject({ PartNumber: 1, Size: 1000 });
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 's3/a',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
      expect(done.ETag).toMatch(/-1"$/);
      const { UploadId: second } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 's3/b' }),
      );
      await s3.send(
        new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 's3/b', UploadId: second }),
      );
      const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 's3/c', Body: 'hi' }));
      expect(put.ETag).toBeTruthy();

      const size = 6 * 1024 * 1024 + 10;
      await new Upload({
        client: s3,
        params: { Bucket: BUCKET, Key: 's3/upload', Body: generatedSource(size) },
        partSize: 5 * 1024 * 1024,
      }).done();
      expect(await controlObject('s3/upload')).toMatchObject({ size, partCount: 2 });
    } finally {
      s3.destroy();
    }
  });
});

describe('benchmark harness', () => {
  it('plans every case once, with the peers at the library’s part size and concurrency', () => {
    for (const mode of ['quick', 'full'] as const) {
      const cases = planCases(mode);
      expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
      const storage = cases.find((c) => c.id === 'lib-storage');
      expect(storage).toMatchObject({ partSize: 8 * 1024 * 1024, concurrency: 4 });
    }
  });

  it('plans N uploads through one client without a limit, with the default and with a small memoryLimit', () => {
    for (const mode of ['quick', 'full'] as const) {
      const limited = planCases(mode).filter((c) => c.groups.includes('memory-limit'));
      const limits = limited.map((c) => c.clientOptions?.memoryLimit);
      expect(limits).toHaveLength(3);
      expect(limits).toEqual(
        expect.arrayContaining([NO_MEMORY_LIMIT, undefined, 64 * 1024 * 1024]),
      );
      expect(new Set(limited.map((c) => `${c.uploads}×${c.bytes}`)).size).toBe(1);
    }
  });

  it('puts generated tables between their markers, headings under the section, nothing without markers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-readme-'));
    try {
      const file = join(dir, 'README.md');
      const before = '# Results\n\n## Table\n\n<!-- t:start -->\nold\n<!-- t:end -->\n\nafter\n';
      await writeFile(file, before);
      const generated = '<!-- Generated -->\n# Run\n\n## Part\n\n| a |\n';
      expect(await updateReadmeSection('t', generated, file)).toBe(true);
      expect(await readFile(file, 'utf8')).toBe(
        '# Results\n\n## Table\n\n<!-- t:start -->\n### Run\n\n#### Part\n\n| a |\n<!-- t:end -->\n\nafter\n',
      );
      expect(await updateReadmeSection('other', generated, file)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hands client options to this library (a memoryLimit below one part is refused)', async () => {
    const server = await startServer('sink');
    try {
      const outcome = await runContender(
        'lib',
        {
          server: server.info,
          bucket: BUCKET,
          key: 'spec/client-options',
          bytes: 300_000,
          partSize: 204_800,
          clientOptions: { memoryLimit: 102_400 },
        },
        30_000,
      );
      expect(outcome.result).toBeUndefined();
      expect(outcome.error).toMatch(/memoryLimit/);
    } finally {
      await server.stop();
    }
  });

  it('runs a contender script in a child process and reads its verified JSON', async () => {
    const server = await startServer('sink');
    try {
      const outcome = await runContender(
        'lib',
        {
          server: server.info,
          bucket: BUCKET,
          key: 'spec/contender',
          bytes: 600_000,
          uploads: 2,
          partSize: 204_800,
        },
        30_000,
      );
      expect(outcome.error).toBeUndefined();
      const result = outcome.result!;
      expect(result).toMatchObject({
        contender: 'oss-multipart-stream',
        bytes: 1_200_000,
        uploads: 2,
        verified: true,
      });
      expect(result.mbps).toBeGreaterThan(0);
      expect(result.peakRssBytes).toBeGreaterThanOrEqual(result.baselineRssBytes);
      expect(result.cpuSeconds).toBeGreaterThan(0);
      expect(result.details.partCount).toBe(3);
      const stats = await server.stats();
      // The two measured uploads and the untimed warm-up upload.
      expect(stats.counters.completed).toBe(3);
    } finally {
      await server.stop();
    }
  });
});
