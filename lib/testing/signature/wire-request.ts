/** A request as its signature covers it, in the bytes that were received. */
export interface WireRequest {
  /** Upper-case verb. */
  method: string;
  /** Undefined for service-level requests. */
  bucket: string | undefined;
  /** The object key: the percent-decoded bytes of the path (empty for bucket-level requests). */
  keyBytes: Buffer;
  /** Query parameters, percent-decoded to bytes, in arrival order (bare `uploads` has value ''). */
  query: ReadonlyArray<{ name: Buffer; value: Buffer }>;
  /** Lower-case names; values as Node gives them (latin1: one char per received byte). */
  headers: Readonly<Record<string, string>>;
}

/** `/bucket/key` (or `/` without a bucket) as bytes: what both signature versions sign. */
export function resourcePath(req: WireRequest): Buffer {
  if (req.bucket === undefined) return Buffer.from('/');
  return Buffer.concat([Buffer.from(`/${req.bucket}/`, 'latin1'), req.keyBytes]);
}
