import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCrc64 } from '../checksum/crc64.ts';
import type { Blob } from './blob-store.ts';
import type { StoredObject, StoredPart, Upload, World } from './state.ts';
import type { DiskBlobStore } from './store-disk.ts';

/**
 * Disk mode keeps the key → blob mapping in memory and saves it here on close, so a restarted
 * emulator (e.g. the CLI with --dir) sees the same objects and uploads.
 */
const INDEX_FILE = 'emulator-index.json';

interface BlobRecord {
  id: string;
  size: number;
}
interface PartRecord {
  partNumber: number;
  blob: BlobRecord;
  etag: string;
  crc64?: string | undefined;
  lastModified: string;
}
interface ObjectRecord {
  key: string;
  segments: BlobRecord[];
  etag: string;
  crc64?: string | undefined;
  type: 'Normal' | 'Multipart';
  headers: Record<string, string>;
  lastModified: string;
  contentMd5?: string | undefined;
}
interface UploadRecord {
  key: string;
  uploadId: string;
  initiated: string;
  headers: Record<string, string>;
  parts: PartRecord[];
}
interface IndexRecord {
  version: 1;
  buckets: Array<{
    name: string;
    created: string;
    objects: ObjectRecord[];
    uploads: UploadRecord[];
  }>;
}

const blobRecord = (blob: Blob): BlobRecord => ({ id: blob.id, size: blob.size });

export async function saveIndex(world: World, dir: string): Promise<void> {
  const record: IndexRecord = {
    version: 1,
    buckets: [...world.buckets.values()].map((bucket) => ({
      name: bucket.name,
      created: bucket.created.toISOString(),
      objects: [...bucket.objects.values()].map((o) => ({
        key: o.key,
        segments: o.segments.map(blobRecord),
        etag: o.etag,
        crc64: o.crc64?.toString(),
        type: o.type,
        headers: o.headers,
        lastModified: o.lastModified.toISOString(),
        contentMd5: o.contentMd5,
      })),
      uploads: [...bucket.uploads.values()].map((u) => ({
        key: u.key,
        uploadId: u.uploadId,
        initiated: u.initiated.toISOString(),
        headers: u.headers,
        parts: [...u.parts.values()].map((p) => ({
          partNumber: p.partNumber,
          blob: blobRecord(p.blob),
          etag: p.etag,
          crc64: p.crc64?.toString(),
          lastModified: p.lastModified.toISOString(),
        })),
      })),
    })),
  };
  const file = join(dir, INDEX_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(record));
  await rename(`${file}.tmp`, file);
}

async function present(store: DiskBlobStore, blob: BlobRecord): Promise<boolean> {
  try {
    return (await stat(join(store.blobDir, blob.id))).size === blob.size;
  } catch {
    return false;
  }
}

/** Load a saved index; entries whose blob files are gone or damaged are skipped. */
export async function loadIndex(world: World, store: DiskBlobStore, dir: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(join(dir, INDEX_FILE), 'utf8');
  } catch {
    return; // a fresh directory
  }
  const record = JSON.parse(text) as IndexRecord;
  if (record.version !== 1) throw new Error(`${INDEX_FILE}: unsupported version ${record.version}`);
  for (const b of record.buckets) {
    const bucket = world.createBucket(b.name, new Date(b.created));
    for (const o of b.objects) {
      const checks = await Promise.all(o.segments.map((s) => present(store, s)));
      if (checks.includes(false)) continue;
      const object: StoredObject = {
        key: o.key,
        segments: o.segments.map((s) => store.adopt(s.id, s.size)),
        size: o.segments.reduce((sum, s) => sum + s.size, 0),
        etag: o.etag,
        crc64: o.crc64 === undefined ? undefined : parseCrc64(o.crc64),
        type: o.type,
        headers: o.headers,
        lastModified: new Date(o.lastModified),
        contentMd5: o.contentMd5,
      };
      bucket.objects.set(o.key, object);
    }
    for (const u of b.uploads) {
      const upload: Upload = {
        bucket: bucket.name,
        key: u.key,
        uploadId: u.uploadId,
        initiated: new Date(u.initiated),
        headers: u.headers,
        parts: new Map(),
      };
      for (const p of u.parts) {
        if (!(await present(store, p.blob))) continue;
        const part: StoredPart = {
          partNumber: p.partNumber,
          blob: store.adopt(p.blob.id, p.blob.size),
          size: p.blob.size,
          etag: p.etag,
          crc64: p.crc64 === undefined ? undefined : parseCrc64(p.crc64),
          lastModified: new Date(p.lastModified),
        };
        upload.parts.set(p.partNumber, part);
      }
      bucket.uploads.set(u.uploadId, upload);
    }
  }
}
