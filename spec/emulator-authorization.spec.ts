/** The emulator's own parser of Authorization headers (it shares no code with the client). */
import { describe, expect, it } from 'vitest';
import { parseAuthorization } from '../lib/testing/signature/authorization.ts';

describe('emulator: Authorization header forms', () => {
  it('V1: OSS <id>:<signature>, anything else is refused', () => {
    expect(parseAuthorization('OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=')).toMatchObject({
      accessKeyId: 'ak',
      signature: 'kSHKmLxlyEAKtZPkJhG9bZb5k7M=',
    });
    expect(parseAuthorization('OSS ak')).toBeUndefined();
    expect(parseAuthorization('OSS :sig')).toBeUndefined();
    expect(parseAuthorization('Bearer x')).toBeUndefined();
  });

  it('V4: the SDK form, the documented form with spaces and any field order', () => {
    const cred = 'Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request';
    for (const header of [
      `OSS4-HMAC-SHA256 ${cred},AdditionalHeaders=abc;zabc,Signature=deadbeef`,
      `OSS4-HMAC-SHA256 ${cred}, AdditionalHeaders=abc;zabc, Signature=deadbeef`,
      `OSS4-HMAC-SHA256 ${cred}, Signature=deadbeef, AdditionalHeaders=abc;zabc`,
      `OSS4-HMAC-SHA256 AdditionalHeaders=abc;zabc,Signature=deadbeef,${cred}`,
    ]) {
      expect(parseAuthorization(header)).toMatchObject({
        accessKeyId: 'ak',
        signature: 'deadbeef',
      });
    }
    expect(parseAuthorization(`OSS4-HMAC-SHA256 ${cred}`)).toBeUndefined();
    expect(
      parseAuthorization('OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss,Signature=x'),
    ).toBeUndefined();
  });
});
