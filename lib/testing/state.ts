import { randomBytes } from 'node:crypto';
import type { Blob, BlobStore } from './blob-store.ts';
import { noSuchBucket } from './errors.ts';
import { compareKeys } from './names.ts';
import type { ObjectInfo, UploadInfo } from './types.ts';

export interface StoredPart {
  partNumber: number;
  blob: Blob;
  size: number;
  /** Uppercase hex MD5, no quotes. */
  etag: string;
  crc64: bigint | undefined;
  lastModified: Date;
}

export interface Upload {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: Date;
  /** Metadata headers from Initiate, applied to the object at Complete. */
  headers: Record<string, string>;
  parts: Map<number, StoredPart>;
}

export interface StoredObject {
  key: string;
  /** The bytes, in order: one blob for PutObject, the listed parts after Complete. */
  segments: Blob[];
  size: number;
  /** Uppercase hex, no quotes; `<hex>-<n>` for multipart objects. */
  etag: string;
  crc64: bigint | undefined;
  type: 'Normal' | 'Multipart';
  headers: Record<string, string>;
  lastModified: Date;
  /** Base64 MD5 of the content (PutObject only). */
  contentMd5: string | undefined;
}

export interface BucketState {
  name: string;
  created: Date;
  objects: Map<string, StoredObject>;
  /** By upload id. */
  uploads: Map<string, Upload>;
}

let uploadCounter = 0;

/**
 * 32 uppercase hex characters like real upload ids, but sortable: time, then a counter, then
 * randomness. Sorting by id within a key is therefore initiation order (ListMultipartUploads).
 */
export function newUploadId(now: number): string {
  uploadCounter = (uploadCounter + 1) & 0xffff;
  const time = now.toString(16).padStart(12, '0').slice(-12);
  const counter = uploadCounter.toString(16).padStart(4, '0');
  return `${time}${counter}${randomBytes(8).toString('hex')}`.toUpperCase();
}

/** Bucket, object and upload metadata; bytes live in the blob store. */
export class World {
  readonly buckets = new Map<string, BucketState>();
  readonly store: BlobStore;

  constructor(store: BlobStore) {
    this.store = store;
  }

  createBucket(name: string, created = new Date()): BucketState {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = { name, created, objects: new Map(), uploads: new Map() };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  bucket(name: string): BucketState {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  /** Store an object, releasing the bytes of the one it replaces. */
  setObject(bucket: BucketState, object: StoredObject): void {
    const old = bucket.objects.get(object.key);
    bucket.objects.set(object.key, object);
    if (old) this.#releaseAll(old.segments);
  }

  deleteObject(bucket: BucketState, key: string): void {
    const old = bucket.objects.get(key);
    if (!old) return;
    bucket.objects.delete(key);
    this.#releaseAll(old.segments);
  }

  setPart(upload: Upload, part: StoredPart): void {
    const old = upload.parts.get(part.partNumber);
    upload.parts.set(part.partNumber, part);
    if (old) this.store.release(old.blob);
  }

  /** Forget an upload; parts listed in `keep` now belong to an object, the rest are released. */
  removeUpload(bucket: BucketState, upload: Upload, keep?: ReadonlySet<number>): void {
    bucket.uploads.delete(upload.uploadId);
    for (const part of upload.parts.values()) {
      if (!keep?.has(part.partNumber)) this.store.release(part.blob);
    }
  }

  #releaseAll(blobs: readonly Blob[]): void {
    for (const blob of blobs) this.store.release(blob);
  }

  listUploads(bucketName: string): UploadInfo[] {
    const bucket = this.bucket(bucketName);
    return sortedUploads(bucket).map((u) => ({
      key: u.key,
      uploadId: u.uploadId,
      parts: u.parts.size,
    }));
  }

  objectInfo(bucketName: string, key: string): ObjectInfo | undefined {
    const object = this.buckets.get(bucketName)?.objects.get(key);
    if (!object) return undefined;
    return {
      size: object.size,
      etag: `"${object.etag}"`,
      crc64: object.crc64?.toString(),
      objectType: object.type,
      lastModified: object.lastModified,
      headers: { ...object.headers },
    };
  }
}

/** Uploads by key (UTF-8 byte order), then by upload id (= initiation order). */
export function sortedUploads(bucket: BucketState): Upload[] {
  return [...bucket.uploads.values()].sort(
    (a, b) => compareKeys(a.key, b.key) || (a.uploadId < b.uploadId ? -1 : 1),
  );
}
