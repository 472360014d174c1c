/**
 * The OSS error catalogue as the emulator answers it. Handlers throw an EmulatorError; the
 * server turns it into the OSS XML error body (or `x-oss-err` on HEAD).
 */
export class EmulatorError extends Error {
  readonly status: number;
  readonly code: string;
  readonly ec: string | undefined;
  /** Extra elements of the error body, in order (UploadId, ArgumentName, StringToSign, ...). */
  readonly extras: Record<string, string>;
  /** Answer without reading the body and close the connection (e.g. a 5 GiB body we refuse). */
  readonly closeConnection: boolean;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { ec?: string | undefined; extras?: Record<string, string>; close?: boolean } = {},
  ) {
    super(message);
    this.name = 'EmulatorError';
    this.status = status;
    this.code = code;
    this.ec = options.ec;
    this.extras = options.extras ?? {};
    this.closeConnection = options.close ?? false;
  }
}

export const accessDenied = (message: string, ec?: string) =>
  new EmulatorError(403, 'AccessDenied', message, { ec });

export const invalidAccessKeyId = (accessKeyId: string) =>
  new EmulatorError(
    403,
    'InvalidAccessKeyId',
    'The OSS Access Key Id you provided does not exist in our records.',
    {
      extras: { OSSAccessKeyId: accessKeyId },
    },
  );

export const signatureDoesNotMatch = (extras: Record<string, string>, ec?: string) =>
  new EmulatorError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { ec, extras },
  );

export const requestTimeTooSkewed = (requestTime: string, serverTime: string) =>
  new EmulatorError(
    403,
    'RequestTimeTooSkewed',
    'The difference between the request time and the current time is too large.',
    { ec: '0002-00000504', extras: { RequestTime: requestTime, ServerTime: serverTime } },
  );

export const invalidSecurityToken = (message: string, ec: string) =>
  new EmulatorError(403, 'InvalidSecurityToken', message, { ec });

export const securityTokenExpired = () =>
  new EmulatorError(403, 'SecurityTokenExpired', 'The security token you provided has expired.', {
    ec: '0002-00000007',
  });

export const noSuchBucket = (bucket: string) =>
  new EmulatorError(404, 'NoSuchBucket', 'The specified bucket does not exist.', {
    ec: '0015-00000101',
    extras: { BucketName: bucket },
  });

export const invalidBucketName = (bucket: string) =>
  new EmulatorError(400, 'InvalidBucketName', 'The specified bucket is not valid.', {
    extras: { BucketName: bucket },
  });

export const invalidObjectName = (ec: string) =>
  new EmulatorError(400, 'InvalidObjectName', 'The specified object is not valid.', { ec });

export const noSuchKey = (key: string) =>
  new EmulatorError(404, 'NoSuchKey', 'The specified key does not exist.', {
    ec: '0026-00000001',
    extras: { Key: key },
  });

export const noSuchUpload = (uploadId: string) =>
  new EmulatorError(
    404,
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { ec: '0017-00000244', extras: { UploadId: uploadId } },
  );

export const invalidArgument = (message: string, name: string, value: string, ec?: string) =>
  new EmulatorError(400, 'InvalidArgument', message, {
    ec,
    extras: { ArgumentName: name, ArgumentValue: value },
  });

export const invalidPartNumber = (value: string) =>
  invalidArgument(
    'Part number must be an integer between 1 and 10000, inclusive.',
    'PartNumber',
    value,
    '0017-00000220',
  );

export const invalidDigestMalformed = () =>
  new EmulatorError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', {
    ec: '0017-00000502',
  });

export const invalidDigestMismatch = (calculated: string) =>
  new EmulatorError(
    400,
    'InvalidDigest',
    'The Content-MD5 you specified did not match what we received.',
    {
      ec: '0017-00000503',
      extras: { CalculatedDigest: calculated },
    },
  );

export const malformedXml = () =>
  new EmulatorError(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema.',
    { ec: '0042-00000205' },
  );

export const invalidPartOrder = () =>
  new EmulatorError(
    400,
    'InvalidPartOrder',
    'The list of parts was not in ascending order. Parts list must be specified in order by part number.',
    { ec: '0042-00000209' },
  );

export const invalidPart = (etag: string, partNumber: string, uploadId: string) =>
  new EmulatorError(
    400,
    'InvalidPart',
    "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
    { extras: { ETag: etag, PartNumber: partNumber, UploadId: uploadId } },
  );

export const entityTooSmall = () =>
  new EmulatorError(
    400,
    'EntityTooSmall',
    'Your proposed upload smaller than the minimum allowed size.',
    {
      ec: '0042-00000213',
    },
  );

export const entityTooLarge = () =>
  new EmulatorError(
    400,
    'EntityTooLarge',
    'Your proposed upload exceeds the maximum allowed size.',
    {
      close: true,
    },
  );

export const fileAlreadyExists = (ec: string) =>
  new EmulatorError(
    409,
    'FileAlreadyExists',
    'The object you specified already exists and can not be overwritten.',
    {
      ec,
    },
  );

export const missingContentLength = () =>
  new EmulatorError(
    411,
    'MissingContentLength',
    'You must provide the Content-Length HTTP header.',
    {},
  );

export const invalidRange = (range: string) =>
  new EmulatorError(416, 'InvalidRange', 'The requested range cannot be satisfied.', {
    extras: { RangeRequested: range },
  });

export const preconditionFailed = (condition: string) =>
  new EmulatorError(
    412,
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold.',
    { extras: { Condition: condition } },
  );

export const notImplemented = (what: string) =>
  new EmulatorError(501, 'NotImplemented', `${what} is not implemented by the emulator.`);

export const methodNotAllowed = (method: string) =>
  new EmulatorError(
    405,
    'MethodNotAllowed',
    'The specified method is not allowed against this resource.',
    {
      extras: { Method: method },
    },
  );

export const internalError = () =>
  new EmulatorError(500, 'InternalError', 'We encountered an internal error. Please try again.');
