export {
  byteOrder,
  encodeKeyPath,
  formatIso8601Basic,
  formatRfc1123,
  uriEncode,
} from './encoding.ts';
export type { Credentials, SignableRequest } from './types.ts';
export {
  isV1SubResource,
  signV1,
  V1_SUB_RESOURCES,
  v1CanonicalResource,
  v1Signature,
  v1StringToSign,
} from './v1.ts';
export {
  signV4,
  UNSIGNED_PAYLOAD,
  V4_ALGORITHM,
  v4AdditionalHeaders,
  v4CanonicalRequest,
  v4Region,
  v4Scope,
  v4Signature,
  v4SigningKey,
  v4StringToSign,
} from './v4.ts';
