import { createHash } from 'node:crypto';
import { crc64CombineAll } from '../../checksum/crc64.ts';
import { MAX_PART_NUMBER, MAX_PART_SIZE, MIN_PART_NUMBER, MIN_PART_SIZE } from '../../limits.ts';
import { childOf, listOf, parseXml, textOf } from '../../oss/xml.ts';
import { drain, readAll } from '../body.ts';
import { type RequestContext, serverNow } from '../context.ts';
import {
  entityTooSmall,
  fileAlreadyExists,
  invalidArgument,
  invalidDigestMismatch,
  invalidPart,
  invalidPartNumber,
  invalidPartOrder,
  malformedXml,
  noSuchUpload,
} from '../errors.ts';
import { compareKeys, pathEncode } from '../names.ts';
import { answerEtag, crcHeader, sendEmpty, sendXml } from '../respond.ts';
import { newUploadId, type StoredPart, sortedUploads } from '../state.ts';
import {
  completeOverrides,
  declaredMd5,
  findUpload,
  forbidOverwrite,
  integerParam,
  keyEncoder,
  metadataFrom,
  receiveCheckedBody,
  refuseEncryptionOnPart,
  requireObjectKey,
  sseHeaders,
} from './common.ts';

const MAX_COMPLETE_XML = 4 * 1024 * 1024;
const identity = (value: string) => value;

export async function initiateMultipartUpload(ctx: RequestContext): Promise<void> {
  const key = requireObjectKey(ctx);
  const { world } = ctx.env;
  const bucket = world.bucket(ctx.bucket);
  const encode = keyEncoder(ctx.query);
  const headers = metadataFrom(ctx.headers);
  await drain(ctx.body);
  if (forbidOverwrite(ctx.headers) && bucket.objects.has(key)) {
    throw fileAlreadyExists('0042-00000214');
  }
  const now = serverNow(ctx.env);
  const uploadId = newUploadId(now.getTime());
  bucket.uploads.set(uploadId, {
    bucket: bucket.name,
    key,
    uploadId,
    initiated: now,
    headers,
    parts: new Map(),
  });
  sendXml(
    ctx,
    200,
    {
      InitiateMultipartUploadResult: {
        Bucket: bucket.name,
        Key: (encode ?? identity)(key),
        UploadId: uploadId,
        ...(encode ? { EncodingType: 'url' } : {}),
      },
    },
    sseHeaders(headers),
  );
}

/** `partNumber` must be a plain integer 1..10000. */
function partNumberOf(ctx: RequestContext): number {
  const raw = ctx.query['partNumber'] ?? '';
  if (!/^\d{1,5}$/.test(raw)) throw invalidPartNumber(raw);
  const n = Number(raw);
  if (n < MIN_PART_NUMBER || n > MAX_PART_NUMBER) throw invalidPartNumber(raw);
  return n;
}

export async function uploadPart(ctx: RequestContext): Promise<void> {
  const key = requireObjectKey(ctx);
  const { world, store } = ctx.env;
  const bucket = world.bucket(ctx.bucket);
  const partNumber = partNumberOf(ctx);
  refuseEncryptionOnPart(ctx.headers);
  const upload = findUpload(ctx, bucket, key);
  const { blob, size, md5Hex, crc64 } = await receiveCheckedBody(ctx, {
    allowChunked: false,
    max: MAX_PART_SIZE,
  });
  // Complete or Abort may have run while the body was arriving.
  if (bucket.uploads.get(upload.uploadId) !== upload) {
    store.release(blob);
    throw noSuchUpload(upload.uploadId);
  }
  const part: StoredPart = {
    partNumber,
    blob,
    size,
    etag: md5Hex,
    crc64,
    lastModified: serverNow(ctx.env),
  };
  world.setPart(upload, part);
  sendEmpty(ctx, 200, {
    etag: answerEtag(ctx, md5Hex),
    'content-md5': Buffer.from(md5Hex, 'hex').toString('base64'),
    ...crcHeader(ctx, part.crc64),
    ...sseHeaders(upload.headers),
  });
}

/** ETags in the Complete body may be quoted (`"`, `&quot;`, `&#34;` all parse to `"`) or bare. */
function normaliseEtag(etag: string): string {
  return etag.trim().replace(/^"/, '').replace(/"$/, '').toUpperCase();
}

interface ListedPart {
  partNumber: number;
  part: StoredPart;
}

function listedParts(
  body: Buffer,
  parts: ReadonlyMap<number, StoredPart>,
  uploadId: string,
): ListedPart[] {
  let root: ReturnType<typeof childOf>;
  try {
    root = childOf(parseXml(body), 'CompleteMultipartUpload');
  } catch {
    throw malformedXml();
  }
  if (!root) throw malformedXml();
  const entries = listOf(root, 'Part').map((node) => {
    const number = textOf(node, 'PartNumber');
    const etag = textOf(node, 'ETag');
    if (number === undefined || etag === undefined || !/^\d+$/.test(number)) throw malformedXml();
    return { number: Number(number), rawNumber: number, etag };
  });
  if (entries.length === 0) throw malformedXml();
  // Strictly ascending: a repeated number is out of order too.
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.number <= entries[i - 1]!.number) throw invalidPartOrder();
  }
  return entries.map(({ number, rawNumber, etag }) => {
    const part = parts.get(number);
    if (!part || normaliseEtag(etag) !== part.etag) throw invalidPart(etag, rawNumber, uploadId);
    return { partNumber: number, part };
  });
}

export async function completeMultipartUpload(ctx: RequestContext): Promise<void> {
  const key = requireObjectKey(ctx);
  const { world } = ctx.env;
  const bucket = world.bucket(ctx.bucket);
  findUpload(ctx, bucket, key);
  const encode = keyEncoder(ctx.query);
  const completeAll = ctx.headers['x-oss-complete-all']?.toLowerCase() === 'yes';
  const expectedMd5 = declaredMd5(ctx.headers);
  const body = await readAll(ctx.body, MAX_COMPLETE_XML, malformedXml);
  if (expectedMd5 !== undefined) {
    const actual = createHash('md5').update(body).digest();
    if (actual.toString('hex').toUpperCase() !== expectedMd5) {
      throw invalidDigestMismatch(actual.toString('base64'));
    }
  }
  // Re-read: the upload may have been completed or aborted while the body arrived.
  const upload = findUpload(ctx, bucket, key);

  let listed: ListedPart[];
  if (completeAll) {
    if (body.length > 0) {
      throw invalidArgument(
        'The body must be empty when x-oss-complete-all is yes.',
        'x-oss-complete-all',
        'yes',
        '0042-00000216',
      );
    }
    listed = [...upload.parts.values()]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map((part) => ({ partNumber: part.partNumber, part }));
    if (listed.length === 0) {
      throw invalidArgument('The upload has no parts to complete.', 'x-oss-complete-all', 'yes');
    }
  } else {
    listed = listedParts(body, upload.parts, upload.uploadId);
  }
  for (let i = 0; i < listed.length - 1; i++) {
    if (listed[i]!.part.size < MIN_PART_SIZE) throw entityTooSmall();
  }
  const overrides = completeOverrides(ctx.headers);
  if (forbidOverwrite(ctx.headers) && bucket.objects.has(key)) {
    throw fileAlreadyExists('0042-00000214');
  }

  // ETag: MD5 over the binary part MD5s, then `-<count>`; CRC-64: folded from the part CRCs.
  const digests = createHash('md5');
  for (const { part } of listed) digests.update(Buffer.from(part.etag, 'hex'));
  const etag = `${digests.digest('hex').toUpperCase()}-${listed.length}`;
  const crc64 = listed.every(({ part }) => part.crc64 !== undefined)
    ? crc64CombineAll(listed.map(({ part }) => ({ crc: part.crc64!, size: part.size })))
    : undefined;
  const size = listed.reduce((sum, { part }) => sum + part.size, 0);

  world.removeUpload(bucket, upload, new Set(listed.map((l) => l.partNumber)));
  world.setObject(bucket, {
    key,
    segments: listed.map(({ part }) => part.blob),
    size,
    etag,
    crc64,
    type: 'Multipart',
    headers: { ...upload.headers, ...overrides },
    lastModified: serverNow(ctx.env),
    contentMd5: undefined,
  });

  const location = ctx.target.virtualHosted
    ? `${ctx.env.scheme}://${ctx.target.host}/${pathEncode(key)}`
    : `${ctx.env.scheme}://${ctx.target.host}/${bucket.name}/${pathEncode(key)}`;
  const answered = answerEtag(ctx, etag);
  sendXml(
    ctx,
    200,
    {
      CompleteMultipartUploadResult: {
        ...(encode ? { EncodingType: 'url' } : {}),
        Location: location,
        Bucket: bucket.name,
        Key: (encode ?? identity)(key),
        ETag: answered,
      },
    },
    { etag: answered, ...crcHeader(ctx, crc64), ...sseHeaders(upload.headers) },
  );
}

export async function abortMultipartUpload(ctx: RequestContext): Promise<void> {
  const key = requireObjectKey(ctx);
  const { world } = ctx.env;
  const bucket = world.bucket(ctx.bucket);
  findUpload(ctx, bucket, key);
  await drain(ctx.body);
  world.removeUpload(bucket, findUpload(ctx, bucket, key));
  sendEmpty(ctx, 204);
}

export async function listParts(ctx: RequestContext): Promise<void> {
  const key = requireObjectKey(ctx);
  const bucket = ctx.env.world.bucket(ctx.bucket);
  const encode = keyEncoder(ctx.query);
  const maxParts = integerParam(ctx.query, 'max-parts', 1000, 1000);
  const marker = integerParam(ctx.query, 'part-number-marker', 0, Number.MAX_SAFE_INTEGER);
  await drain(ctx.body);
  const upload = findUpload(ctx, bucket, key);
  const after = [...upload.parts.values()]
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = after.slice(0, maxParts);
  sendXml(ctx, 200, {
    ListPartsResult: {
      ...(encode ? { EncodingType: 'url' } : {}),
      Bucket: bucket.name,
      Key: (encode ?? identity)(key),
      UploadId: upload.uploadId,
      StorageClass: upload.headers['x-oss-storage-class'] ?? 'Standard',
      PartNumberMarker: String(marker),
      NextPartNumberMarker: String(page.at(-1)?.partNumber ?? marker),
      MaxParts: String(maxParts),
      IsTruncated: String(after.length > page.length),
      Part: page.map((p) => ({
        PartNumber: String(p.partNumber),
        LastModified: p.lastModified.toISOString(),
        ETag: `"${p.etag}"`,
        ...(p.crc64 === undefined ? {} : { HashCrc64ecma: p.crc64.toString() }),
        Size: String(p.size),
      })),
    },
  });
}

type ListingEntry =
  | { kind: 'upload'; key: string; uploadId: string; initiated: Date; storageClass: string }
  | { kind: 'prefix'; prefix: string };

export async function listMultipartUploads(ctx: RequestContext): Promise<void> {
  const bucket = ctx.env.world.bucket(ctx.bucket);
  const encode = keyEncoder(ctx.query);
  const q = ctx.query;
  const prefix = q['prefix'] ?? '';
  const delimiter = q['delimiter'] ?? '';
  const keyMarker = q['key-marker'] ?? '';
  // Without key-marker the upload-id-marker is ignored (S3/OSS semantics).
  const uploadIdMarker = keyMarker === '' ? '' : (q['upload-id-marker'] ?? '');
  const maxUploads = integerParam(q, 'max-uploads', 1000, 1000);
  await drain(ctx.body);

  const entries: ListingEntry[] = [];
  for (const upload of sortedUploads(bucket)) {
    if (!upload.key.startsWith(prefix)) continue;
    if (keyMarker !== '') {
      const order = compareKeys(upload.key, keyMarker);
      if (
        order < 0 ||
        (order === 0 && (uploadIdMarker === '' || upload.uploadId <= uploadIdMarker))
      ) {
        continue;
      }
    }
    if (delimiter !== '') {
      const at = upload.key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        const common = upload.key.slice(0, at + delimiter.length);
        const last = entries.at(-1);
        // A prefix at or before the key marker was returned on an earlier page.
        if (
          (last?.kind === 'prefix' && last.prefix === common) ||
          compareKeys(common, keyMarker) <= 0
        )
          continue;
        entries.push({ kind: 'prefix', prefix: common });
        continue;
      }
    }
    entries.push({
      kind: 'upload',
      key: upload.key,
      uploadId: upload.uploadId,
      initiated: upload.initiated,
      storageClass: upload.headers['x-oss-storage-class'] ?? 'Standard',
    });
  }
  const page = entries.slice(0, maxUploads);
  const last = page.at(-1);
  const enc = encode ?? identity;
  sendXml(ctx, 200, {
    ListMultipartUploadsResult: {
      ...(encode ? { EncodingType: 'url' } : {}),
      Bucket: bucket.name,
      KeyMarker: enc(keyMarker),
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: last === undefined ? '' : enc(last.kind === 'upload' ? last.key : last.prefix),
      NextUploadIdMarker: last?.kind === 'upload' ? last.uploadId : '',
      Delimiter: enc(delimiter),
      Prefix: enc(prefix),
      MaxUploads: String(maxUploads),
      IsTruncated: String(entries.length > page.length),
      Upload: page.flatMap((e) =>
        e.kind === 'upload'
          ? [
              {
                Key: enc(e.key),
                UploadId: e.uploadId,
                StorageClass: e.storageClass,
                Initiated: e.initiated.toISOString(),
              },
            ]
          : [],
      ),
      CommonPrefixes: page.flatMap((e) => (e.kind === 'prefix' ? [{ Prefix: enc(e.prefix) }] : [])),
    },
  });
}
