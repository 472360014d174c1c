import type { UploadResult } from '../upload-stream.ts';
import { formatBytes, formatElapsed, formatRate } from './units.ts';

export function throughput(size: number, elapsedMs: number): number {
  return size / Math.max(elapsedMs / 1000, 0.001);
}

/** Labelled rows, aligned; `extra` rows follow the standard ones. */
export function summaryText(
  result: UploadResult,
  elapsedMs: number,
  extra: [string, string][] = [],
): string {
  const rows: [string, string][] = [
    ['Size', `${formatBytes(result.size)} (${result.size} bytes)`],
    ['Parts', result.uploadId === null ? '1 (single PutObject)' : String(result.partCount)],
    ['ETag', result.etag],
    ['CRC-64', result.crc64],
    [
      'Throughput',
      `${formatRate(throughput(result.size, elapsedMs))} (${formatElapsed(elapsedMs)})`,
    ],
    ...extra,
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  return `Uploaded oss://${result.bucket}/${result.key}\n${lines.join('\n')}\n`;
}

/** The machine-readable result (`--json`): stable field names, numbers as numbers. */
export function summaryJson(result: UploadResult, elapsedMs: number): Record<string, unknown> {
  return {
    ok: true,
    bucket: result.bucket,
    key: result.key,
    size: result.size,
    partCount: result.partCount,
    etag: result.etag,
    crc64: result.crc64,
    uploadId: result.uploadId,
    elapsedMs: Math.round(elapsedMs),
    bytesPerSecond: Math.round(throughput(result.size, elapsedMs)),
  };
}
