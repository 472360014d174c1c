import type { OssClient } from '../client.ts';

/** One multipart upload in progress on the server. */
export interface UploadSummary {
  key: string;
  uploadId: string;
  initiated: Date | undefined;
}

export interface UploadFilter {
  /** Uploads whose key starts with this. */
  prefix?: string | undefined;
  /** Uploads of exactly this key. */
  key?: string | undefined;
  /** Uploads initiated before this time (those without a time never match). */
  initiatedBefore?: Date | undefined;
  signal?: AbortSignal | undefined;
}

/** The client methods that list and abort uploads, as the library is adding them. */
interface UploadAdmin {
  listUploads(filter: UploadFilter): Promise<UploadSummary[]>;
  abortUploads(filter: UploadFilter): Promise<UploadSummary[]>;
}

function admin(client: OssClient): Partial<UploadAdmin> {
  return client as unknown as Partial<UploadAdmin>;
}

function matches(upload: UploadSummary, filter: UploadFilter): boolean {
  if (filter.key !== undefined && upload.key !== filter.key) return false;
  if (filter.initiatedBefore !== undefined) {
    if (!upload.initiated || !(upload.initiated < filter.initiatedBefore)) return false;
  }
  return true;
}

/**
 * Every upload in progress that matches `filter`, oldest first. Uses `client.listUploads`
 * when the library has it; until then lists through the transport (all pages) and filters here.
 */
export async function listUploads(
  client: OssClient,
  filter: UploadFilter,
): Promise<UploadSummary[]> {
  const own = admin(client).listUploads;
  let uploads: UploadSummary[];
  if (own) {
    uploads = await own.call(client, filter);
  } else {
    const listed = await client.listMultipartUploads({
      prefix: filter.key ?? filter.prefix,
      signal: filter.signal,
    });
    uploads = listed
      .map((u) => ({
        key: u.key,
        uploadId: u.uploadId,
        initiated: u.initiated ? new Date(u.initiated) : undefined,
      }))
      .filter((u) => matches(u, filter));
  }
  return uploads.sort((a, b) => (a.initiated?.getTime() ?? 0) - (b.initiated?.getTime() ?? 0));
}

/** Abort every upload that matches `filter`; returns those aborted. */
export async function abortUploads(
  client: OssClient,
  filter: UploadFilter,
): Promise<UploadSummary[]> {
  const own = admin(client).abortUploads;
  if (own) return own.call(client, filter);
  const uploads = await listUploads(client, filter);
  for (const upload of uploads) {
    await client.abortMultipartUpload(upload.key, upload.uploadId, { signal: filter.signal });
  }
  return uploads;
}

/** The newest upload of `key` (for `--resume latest`), or undefined when there is none. */
export async function latestUpload(
  client: OssClient,
  key: string,
  signal?: AbortSignal,
): Promise<UploadSummary | undefined> {
  return (await listUploads(client, { key, signal })).at(-1);
}
