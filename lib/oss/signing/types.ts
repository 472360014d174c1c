/** Long-lived or temporary (STS) credentials. */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

/**
 * A request as the signers see it. Both signature versions sign the bucket and the raw
 * (unencoded) key, never the on-the-wire path, so addressing style does not matter here.
 */
export interface SignableRequest {
  /** Upper-case HTTP verb. */
  method: string;
  /** Bucket name, or undefined for service-level requests. */
  bucket?: string | undefined;
  /** Raw object key (UTF-8 string, not percent-encoded); undefined or '' for bucket-level. */
  key?: string | undefined;
  /** Decoded query parameters; '' for a bare parameter such as `uploads`. */
  query: Record<string, string>;
  /** Header names in lower case. Signing adds date, token and authorization headers here. */
  headers: Record<string, string>;
}
