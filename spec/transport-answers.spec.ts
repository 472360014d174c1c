/**
 * The transport reads every answer strictly: a 200 that is not the document the operation
 * returns is a failure, never a success with empty fields; listings that never end are cut off
 * with a typed error. Answers come from a raw node:http server that says what OSS would not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OssResponseError } from '../lib/errors.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { startScriptedServer, type ScriptedServer, xml } from './helpers/scripted-server.ts';
import { rejectionAs } from './helpers/outcomes.ts';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

function transport(): OssTransport {
  return new OssTransport({
    endpoint: server.endpoint,
    bucket: 'test-bucket',
    region: 'cn-hangzhou',
    credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  });
}

const failure = (promise: Promise<unknown>) => rejectionAs(promise, OssResponseError);

const ERROR_BODY =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>x</Message></Error>';
const COMPLETE_OK = (etag: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>${etag}</CompleteMultipartUploadResult>`;

describe('CompleteMultipartUpload answers', () => {
  it.each([
    ['an <Error> document', ERROR_BODY, /CompleteMultipartUploadResult/],
    ['an HTML page', '<html><body>OK</body></html>', /CompleteMultipartUploadResult/],
    ['an empty body', '', /CompleteMultipartUploadResult/],
    ['a result without an ETag', COMPLETE_OK(''), /ETag/],
  ])(
    'a 200 with %s is a failure naming what is missing, not retried',
    async (_what, body, missing) => {
      server.answer((_req, res) => xml(res, 200, body));
      const before = server.requests.length;
      const error = await failure(
        transport().completeMultipartUpload('k', 'u', [{ partNumber: 1, etag: '"E"' }]),
      );
      expect(error.status).toBe(200);
      expect(error.ossCode).toBeUndefined();
      expect(error.operation).toBe('CompleteMultipartUpload');
      expect(error.message).toMatch(missing);
      expect(server.requests.length - before).toBe(1);
    },
  );

  it('takes the ETag from the header or the body, and crc64 only when the server sent one', async () => {
    server.answer((_req, res) => xml(res, 200, COMPLETE_OK('<ETag>"ABC-1"</ETag>')));
    const fromBody = await transport().completeMultipartUpload('k', 'u', [
      { partNumber: 1, etag: '"E"' },
    ]);
    expect(fromBody.etag).toBe('"ABC-1"');
    expect(fromBody.crc64).toBeUndefined();
    server.answer((_req, res) =>
      xml(res, 200, COMPLETE_OK(''), { etag: '"DEF-1"', 'x-oss-hash-crc64ecma': '123' }),
    );
    const fromHeader = await transport().completeMultipartUpload('k', 'u', [
      { partNumber: 1, etag: '"E"' },
    ]);
    expect(fromHeader).toMatchObject({ etag: '"DEF-1"', crc64: '123' });
  });
});

describe('InitiateMultipartUpload answers', () => {
  it.each([
    [
      'an empty <UploadId/>',
      '<InitiateMultipartUploadResult><UploadId/></InitiateMultipartUploadResult>',
      /UploadId/,
    ],
    [
      'a blank UploadId',
      '<InitiateMultipartUploadResult><UploadId>  </UploadId></InitiateMultipartUploadResult>',
      /UploadId/,
    ],
    ['an <Error> document', ERROR_BODY, /InitiateMultipartUploadResult/],
  ])('a 200 with %s is a failure', async (_what, body, missing) => {
    server.answer((_req, res) => xml(res, 200, body));
    const error = await failure(transport().initiateMultipartUpload('k'));
    expect(error).toMatchObject({ status: 200, ossCode: undefined });
    expect(error.message).toMatch(missing);
  });
});

describe('UploadPart and PutObject answers', () => {
  it('a 200 UploadPart without an ETag is a failure', async () => {
    server.answer((_req, res) => xml(res, 200, ''));
    const error = await failure(transport().uploadPart('k', 'u', 1, Buffer.from('x')));
    expect(error.message).toMatch(/ETag/);
  });

  it('a 200 PutObject without an ETag is a failure', async () => {
    server.answer((_req, res) => xml(res, 200, ''));
    const error = await failure(transport().putObject('k', Buffer.from('x')));
    expect(error.message).toMatch(/ETag/);
  });
});

const partsPage = (marker: string | undefined, truncated = true) =>
  `<ListPartsResult><IsTruncated>${truncated}</IsTruncated>${
    marker === undefined ? '' : `<NextPartNumberMarker>${marker}</NextPartNumberMarker>`
  }<Part><PartNumber>1</PartNumber><ETag>"A"</ETag><Size>1</Size></Part></ListPartsResult>`;

const uploadsPage = (keyMarker: string | undefined, idMarker: string | undefined) =>
  `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>${
    keyMarker === undefined ? '' : `<NextKeyMarker>${keyMarker}</NextKeyMarker>`
  }${
    idMarker === undefined ? '' : `<NextUploadIdMarker>${idMarker}</NextUploadIdMarker>`
  }<Upload><Key>k</Key><UploadId>u</UploadId></Upload></ListMultipartUploadsResult>`;

describe('listings that never end', () => {
  it.each([
    ['repeats its marker', () => partsPage('3'), /marker/],
    ['names no next marker', () => partsPage(undefined), /marker/],
  ])('ListParts stops with an error when the server %s', async (_what, page, message) => {
    server.answer((_req, res) => xml(res, 200, page()));
    const before = server.requests.length;
    const error = await failure(transport().listParts('k', 'u'));
    expect(error.operation).toBe('ListParts');
    expect(error.message).toMatch(message);
    expect(server.requests.length - before).toBeLessThanOrEqual(2);
  });

  it('ListParts stops once the marker passes the last possible part number', async () => {
    server.answer((req, res) => {
      const marker = Number(new URL(req.url, 'http://x').searchParams.get('part-number-marker'));
      xml(res, 200, partsPage(String(marker + 1000)));
    });
    const before = server.requests.length;
    const error = await failure(transport().listParts('k', 'u'));
    expect(error.message).toMatch(/marker/);
    expect(server.requests.length - before).toBeLessThanOrEqual(11);
  });

  it('ListParts stops after maxPages pages of ever-new markers', async () => {
    server.answer((req, res) => {
      const marker = Number(new URL(req.url, 'http://x').searchParams.get('part-number-marker'));
      xml(res, 200, partsPage(String(marker + 1)));
    });
    const before = server.requests.length;
    const error = await failure(transport().listParts('k', 'u', { maxPages: 5 }));
    expect(error.message).toMatch(/5 pages/);
    expect(server.requests.length - before).toBe(5);
  });

  it.each([
    ['repeats its markers', () => uploadsPage('k', 'u')],
    ['names no next marker', () => uploadsPage(undefined, undefined)],
  ])('ListMultipartUploads stops with an error when the server %s', async (_what, page) => {
    server.answer((_req, res) => xml(res, 200, page()));
    const before = server.requests.length;
    const error = await failure(transport().listMultipartUploads({}));
    expect(error.operation).toBe('ListMultipartUploads');
    expect(error.message).toMatch(/marker/);
    expect(server.requests.length - before).toBeLessThanOrEqual(2);
  });

  it('ListMultipartUploads stops after maxPages pages of ever-new markers', async () => {
    let n = 0;
    server.answer((_req, res) => {
      n++;
      xml(res, 200, uploadsPage(`k${n}`, `u${n}`));
    });
    const before = server.requests.length;
    const error = await failure(transport().listMultipartUploads({ maxPages: 7 }));
    expect(error.message).toMatch(/7 pages/);
    expect(server.requests.length - before).toBe(7);
  });
});
