/**
 * Checks of the per-call arguments of the transport's operations, made before anything is
 * sent; each refusal is an OssOptionError naming the argument.
 */
import { OssOptionError } from '../errors.ts';
import { isValidPartNumber, MAX_PART_NUMBER } from '../limits.ts';
import { describeType, integer, nonEmptyString } from '../validate.ts';
import type { CallOptions, CompletedPart, RequestBody, UploadPartOptions } from './types.ts';

/** OSS returns at most 1000 entries per ListParts or ListMultipartUploads page. */
const MAX_PAGE_SIZE = 1000;

function optionalFunction(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new OssOptionError(option, `expected a function, got ${describeType(value)}`);
  }
}

export function checkCallOptions(options: unknown): CallOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OssOptionError('options', `expected an object, got ${describeType(options)}`);
  }
  const given = options as CallOptions;
  if (given.signal !== undefined && !(given.signal instanceof AbortSignal)) {
    throw new OssOptionError(
      'signal',
      `expected an AbortSignal, got ${describeType(given.signal)}`,
    );
  }
  optionalFunction(given.onAttempt, 'onAttempt');
  return given;
}

export function checkUploadOptions(options: UploadPartOptions): void {
  optionalFunction(options.onUploadProgress, 'onUploadProgress');
  if (options.contentMd5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(options.contentMd5)) {
    throw new OssOptionError('contentMd5', 'expected the base64 MD5 of the body (24 characters)');
  }
  if (options.crc64 !== undefined && typeof options.crc64 !== 'bigint') {
    throw new OssOptionError('crc64', `expected a bigint, got ${describeType(options.crc64)}`);
  }
}

export function checkListOptions(options: { pageSize?: unknown; maxPages?: unknown }): {
  pageSize: number | undefined;
  maxPages: number | undefined;
} {
  return {
    pageSize: integer(options.pageSize, 'pageSize', { min: 1, max: MAX_PAGE_SIZE }),
    maxPages: integer(options.maxPages, 'maxPages', { min: 1 }),
  };
}

export function checkUploadId(value: unknown): string {
  const id = nonEmptyString(value, 'uploadId');
  if (id === undefined) throw new OssOptionError('uploadId', 'is required');
  return id;
}

export function checkPartNumber(value: unknown, option = 'partNumber'): number {
  if (typeof value !== 'number' || !isValidPartNumber(value)) {
    throw new OssOptionError(
      option,
      `expected an integer from 1 to ${MAX_PART_NUMBER}, got ${describeType(value)}`,
    );
  }
  return value;
}

export function checkBody(value: unknown): RequestBody {
  const bytes = (v: unknown) => v instanceof Uint8Array;
  if (bytes(value) || (Array.isArray(value) && value.every(bytes))) return value as RequestBody;
  throw new OssOptionError(
    'body',
    `expected a Buffer or an array of Buffers, got ${describeType(value)}`,
  );
}

export function checkCompletedParts(value: unknown): readonly CompletedPart[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new OssOptionError('parts', `expected a non-empty array, got ${describeType(value)}`);
  }
  value.forEach((part: unknown, i) => {
    const p = (part ?? {}) as Partial<CompletedPart>;
    checkPartNumber(p.partNumber, `parts[${i}].partNumber`);
    if (typeof p.etag !== 'string' || p.etag === '') {
      throw new OssOptionError(`parts[${i}].etag`, `expected a non-empty string`);
    }
  });
  return value as readonly CompletedPart[];
}

/** A string when given ('' allowed, e.g. an empty prefix). */
export function checkOptionalString(value: unknown, option: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') {
    throw new OssOptionError(option, `expected a string, got ${describeType(value)}`);
  }
  return value;
}

export function checkRange(value: unknown): string | undefined {
  return nonEmptyString(value, 'range');
}
