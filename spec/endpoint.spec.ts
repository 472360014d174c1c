import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { resolveClientOptions } from '../lib/oss/client-options.ts';
import { buildTarget, parseEndpoint } from '../lib/oss/endpoint.ts';

const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };

describe('endpoints and addressing', () => {
  it('assumes HTTPS for a bare host and keeps plain HTTP only when written', () => {
    expect(parseEndpoint('oss-cn-hangzhou.aliyuncs.com')).toMatchObject({
      protocol: 'https:',
      hostname: 'oss-cn-hangzhou.aliyuncs.com',
      needsPathStyle: false,
    });
    expect(parseEndpoint('http://127.0.0.1:9000')).toMatchObject({
      protocol: 'http:',
      port: 9000,
      needsPathStyle: true,
    });
    expect(parseEndpoint('http://localhost:9000').needsPathStyle).toBe(true);
    expect(parseEndpoint('https://[::1]:9000')).toMatchObject({
      hostname: '::1',
      needsPathStyle: true,
    });
  });

  it.each([
    ['', /non-empty/],
    ['ftp://example.com', /not supported/],
    ['https://user:pw@example.com', /credentials/],
    ['https://example.com/path', /without a path/],
    ['https://example.com/?q=1', /without a path/],
    ['https://exa mple.com', /not a valid URL/],
  ])('refuses the endpoint %j', (endpoint, message) => {
    expect(() => parseEndpoint(endpoint)).toThrow(OssOptionError);
    expect(() => parseEndpoint(endpoint)).toThrow(message);
  });

  it('puts the bucket in the host by default (virtual-hosted style)', () => {
    const target = buildTarget(
      parseEndpoint('oss-cn-hangzhou.aliyuncs.com'),
      false,
      'bkt',
      'a b/c+d',
      {
        partNumber: '1',
        uploadId: 'X',
      },
    );
    expect(target).toEqual({
      origin: 'https://bkt.oss-cn-hangzhou.aliyuncs.com',
      host: 'bkt.oss-cn-hangzhou.aliyuncs.com',
      path: '/a%20b/c%2Bd?partNumber=1&uploadId=X',
    });
  });

  it('puts the bucket in the path for path style, and keeps dot segments', () => {
    const target = buildTarget(parseEndpoint('http://127.0.0.1:9000'), true, 'bkt', 'a/../b/./c', {
      uploads: '',
    });
    expect(target).toEqual({
      origin: 'http://127.0.0.1:9000',
      host: '127.0.0.1:9000',
      path: '/bkt/a/../b/./c?uploads',
    });
    expect(
      buildTarget(parseEndpoint('http://127.0.0.1:9000'), true, 'bkt', undefined, { uploads: '' })
        .path,
    ).toBe('/bkt/?uploads');
  });

  it('derives the V4 region from an OSS endpoint and chooses path style for IP endpoints', () => {
    const internal = resolveClientOptions({
      endpoint: 'https://oss-cn-shanghai-internal.aliyuncs.com',
      bucket: 'bkt',
      credentials,
    });
    expect(internal.region).toBe('cn-shanghai');
    expect(internal.pathStyle).toBe(false);
    expect(internal.signatureVersion).toBe('v4');
    const local = resolveClientOptions({
      endpoint: 'http://127.0.0.1:1',
      bucket: 'bkt',
      region: 'cn-hangzhou',
      credentials,
    });
    expect(local.pathStyle).toBe(true);
  });

  it.each([
    [{ endpoint: 'https://example.com', bucket: 'bkt', credentials }, 'region'],
    [{ endpoint: 'https://example.com', bucket: 'Bad_Bucket', credentials, region: 'x' }, 'bucket'],
    [{ endpoint: 'https://example.com', bucket: 'bkt', region: 'x' }, 'credentials'],
    [
      {
        endpoint: 'https://example.com',
        bucket: 'bkt',
        region: 'x',
        credentials,
        signatureVersion: 'v2',
      },
      'signatureVersion',
    ],
    [
      { endpoint: 'https://example.com', bucket: 'bkt', region: 'x', credentials, timeoutMs: 0 },
      'timeoutMs',
    ],
    [
      { endpoint: 'https://example.com', bucket: 'bkt', region: 'x', credentials, pathstyle: true },
      'pathstyle',
    ],
  ])('names the bad client option (%#)', (options, name) => {
    try {
      resolveClientOptions(options);
      throw new Error('expected OssOptionError');
    } catch (error) {
      expect(error).toBeInstanceOf(OssOptionError);
      expect((error as OssOptionError).option).toBe(name);
    }
  });
});
