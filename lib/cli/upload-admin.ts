import type { OssClient, UploadFilter, UploadSummary } from '../client.ts';

export type { UploadFilter, UploadSummary } from '../client.ts';

/** Every upload in progress that matches `filter`, oldest first (uploads without a time first). */
export async function listUploads(
  client: OssClient,
  filter: UploadFilter,
): Promise<UploadSummary[]> {
  const uploads = await client.listUploads(filter);
  return uploads.sort((a, b) => (a.initiated?.getTime() ?? 0) - (b.initiated?.getTime() ?? 0));
}

/** Abort every upload that matches `filter`; returns those aborted, oldest first. */
export async function abortUploads(
  client: OssClient,
  filter: UploadFilter,
): Promise<UploadSummary[]> {
  const aborted = await client.abortUploads(filter);
  return aborted.sort((a, b) => (a.initiated?.getTime() ?? 0) - (b.initiated?.getTime() ?? 0));
}

/**
 * The newest upload of `key` (for `--resume latest`), or undefined when there is none. Resolved
 * here rather than by the library's `resume: 'latest'` so that put can print the id it resumes
 * and name the key when there is nothing to resume.
 */
export async function latestUpload(
  client: OssClient,
  key: string,
  signal?: AbortSignal,
): Promise<UploadSummary | undefined> {
  return (await listUploads(client, { key, signal })).at(-1);
}
