import { OssOptionError } from '../errors.ts';

/**
 * Library option names as the command line spells them. An option the user cannot set from
 * the command line (contentLength comes from the file) gets a phrase instead of a flag.
 */
const FLAG_FOR_OPTION: Record<string, string> = {
  endpoint: '--endpoint',
  region: '--region',
  bucket: 'the bucket in oss://bucket/…',
  signatureVersion: '--signature-version',
  pathStyle: '--path-style',
  partSize: '--part-size',
  concurrency: '--concurrency',
  contentLength: 'the size of the input file',
  contentType: '--content-type',
  storageClass: '--storage-class',
  acl: '--acl',
  serverSideEncryption: '--sse',
  serverSideEncryptionKeyId: '--sse-key-id',
  forbidOverwrite: '--forbid-overwrite',
  leavePartsOnError: '--leave-parts-on-error',
  resume: '--resume',
  tagging: '--tagging',
  meta: '--meta',
  'headers.cache-control': '--cache-control',
  'headers.content-disposition': '--content-disposition',
};

/** Where the user would fix the setting, when there is more than the flag. */
const ALSO: Record<string, string> = {
  endpoint: ' (or set OSS_ENDPOINT)',
  region: ' (or set OSS_REGION)',
};

/** `meta.owner` → `--meta owner`; `headers.Cache-Control` → `--cache-control`. */
export function flagFor(option: string): string | undefined {
  const exact = FLAG_FOR_OPTION[option] ?? FLAG_FOR_OPTION[option.toLowerCase()];
  if (exact) return exact;
  const dot = option.indexOf('.');
  if (dot < 0) return undefined;
  const parent = FLAG_FOR_OPTION[option.slice(0, dot)];
  const name = option.slice(dot + 1);
  return parent?.startsWith('--') ? `${parent} ${JSON.stringify(name)}` : undefined;
}

/**
 * The message a command-line user should read: an option error names the flag (`--region is
 * required for V4 signing …`) instead of the library option (`Invalid option "region"`).
 */
export function cliMessage(error: unknown): string {
  if (error instanceof OssOptionError) {
    const flag = flagFor(error.option);
    if (flag) {
      const prefix = `Invalid option "${error.option}": `;
      const detail = error.message.startsWith(prefix)
        ? error.message.slice(prefix.length)
        : error.message;
      const root = error.option.split('.')[0] as string;
      // "--region is required …" reads as a sentence; "--acl: expected one of …" needs the colon.
      const joint = flag.startsWith('--') && /^(is|are|must|needs?|requires?)\b/.test(detail);
      return `${flag}${joint ? ' ' : ': '}${detail}${ALSO[root] ?? ''}`;
    }
  }
  return (error as Error)?.message ?? String(error);
}
