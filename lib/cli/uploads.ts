import type { OssClient } from '../client.ts';
import type { UploadsAbortFlags, UploadsListFlags } from './args.ts';
import { closeClient, connect } from './connect.ts';
import { ExitCode, exitCodeFor, NotFoundError, UsageError } from './exit-codes.ts';
import { splitOssUrl } from './parse.ts';
import { type CliIo, Console, reportFailure } from './report.ts';
import { abortUploads, listUploads, type UploadSummary } from './upload-admin.ts';

function uploadJson(bucket: string, upload: UploadSummary) {
  return {
    bucket,
    key: upload.key,
    uploadId: upload.uploadId,
    initiated: upload.initiated?.toISOString() ?? null,
  };
}

/** One line per upload: initiated time, upload id, location (tab-separated, for cut/awk). */
function uploadLine(bucket: string, upload: UploadSummary): string {
  const when = upload.initiated?.toISOString() ?? '-';
  return `${when}\t${upload.uploadId}\toss://${bucket}/${upload.key}\n`;
}

async function withSession<T extends { json: boolean; quiet?: boolean | undefined }>(
  target: string,
  flags: T & UploadsListFlags,
  io: CliIo,
  work: (client: OssClient, bucket: string, path: string, output: Console) => Promise<void>,
): Promise<number> {
  const output = new Console(io, { quiet: flags.quiet });
  let client: OssClient | undefined;
  let credentialsFrom: string | undefined;
  try {
    const { bucket, path } = splitOssUrl(target);
    const session = connect(bucket, flags, io.env, (secrets) => {
      output.secrets = secrets;
    });
    client = session.client;
    credentialsFrom = session.credentialsFrom;
    await work(client, bucket, path, output);
    return ExitCode.Ok;
  } catch (error) {
    const code = exitCodeFor(error);
    reportFailure(output, { error, code, credentialsFrom, json: flags.json });
    return code;
  } finally {
    await closeClient(client);
  }
}

/** `uploads ls oss://bucket[/prefix]`: every upload in progress under the prefix. */
export function runUploadsList(target: string, flags: UploadsListFlags, io: CliIo) {
  return withSession(target, flags, io, async (client, bucket, prefix, output) => {
    const uploads = await listUploads(client, { prefix });
    if (flags.json) {
      output.out(`${JSON.stringify(uploads.map((u) => uploadJson(bucket, u)))}\n`);
      return;
    }
    for (const upload of uploads) output.out(uploadLine(bucket, upload));
    output.note(
      `${uploads.length} upload${uploads.length === 1 ? '' : 's'} in progress under oss://${bucket}/${prefix}\n`,
    );
  });
}

/**
 * `uploads abort oss://bucket/key [--upload-id ID] [--older-than AGE]`. A location ending in
 * "/" (or the bare bucket) is a prefix, and then --older-than is required: aborting every
 * upload of a bucket by a slip of the keyboard would destroy other people's work in progress.
 */
export function runUploadsAbort(target: string, flags: UploadsAbortFlags, io: CliIo) {
  return withSession(target, flags, io, async (client, bucket, path, output) => {
    const isPrefix = path === '' || path.endsWith('/');
    if (isPrefix && flags.uploadId !== undefined) {
      throw new UsageError(
        `--upload-id needs the object's key (oss://${bucket}/key), not a prefix`,
      );
    }
    if (isPrefix && flags.olderThan === undefined) {
      throw new UsageError(
        `oss://${bucket}/${path} is a prefix: add --older-than (e.g. 7d; 0s for every upload) ` +
          'or name one key',
      );
    }
    if (flags.uploadId !== undefined && flags.olderThan !== undefined) {
      throw new UsageError('--upload-id and --older-than do not go together');
    }
    let aborted: UploadSummary[];
    if (flags.uploadId !== undefined) {
      // AbortMultipartUpload answers an unknown id like a finished abort: look first, so
      // "aborted" is never printed for an upload that was not there.
      const uploads = await listUploads(client, { key: path });
      const upload = uploads.find((u) => u.uploadId === flags.uploadId);
      if (!upload) {
        throw new NotFoundError(
          `upload ${flags.uploadId} of oss://${bucket}/${path} is not in progress ` +
            '(completed, aborted, or never started): nothing aborted',
        );
      }
      await client.abortMultipartUpload(path, upload.uploadId);
      aborted = [upload];
    } else {
      const initiatedBefore =
        flags.olderThan === undefined ? undefined : new Date(Date.now() - flags.olderThan);
      aborted = await abortUploads(client, {
        ...(isPrefix ? { prefix: path } : { key: path }),
        initiatedBefore,
      });
    }
    if (flags.json) {
      output.out(`${JSON.stringify(aborted.map((u) => uploadJson(bucket, u)))}\n`);
      return;
    }
    for (const upload of aborted) {
      if (!flags.quiet) output.out(`aborted\t${uploadLine(bucket, upload)}`);
    }
    output.note(`${aborted.length} upload${aborted.length === 1 ? '' : 's'} aborted\n`);
  });
}
