import { describe, expect, it } from 'vitest';
import { classifyS3Error } from '../../../src/io/s3-error.ts';
import { parseS3Uri } from '../../../src/io/s3-uri.ts';

// Look-alikes of what the AWS SDK throws: a named error with $metadata.httpStatusCode,
// or a Node socket error with a `code`.
const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const socketError = (code: string) => Object.assign(new Error(`socket ${code}`), { code });

describe('classifyS3Error', () => {
  it('retries throttling without treating it as a possibly applied write', () => {
    for (const error of [
      s3Error('SlowDown', 503),
      s3Error('ThrottlingException', 400),
      s3Error('TooManyRequests', 429),
    ]) {
      const kind = classifyS3Error(error);
      expect(kind.retryable).toBe(true);
      expect(kind.outcomeUnknown).toBe(false);
    }
  });

  it('retries server errors, timeouts and cut connections, whose outcome is unknown', () => {
    for (const error of [
      s3Error('InternalError', 500),
      socketError('ECONNRESET'),
      s3Error('TimeoutError', 0),
    ]) {
      const kind = classifyS3Error(error);
      expect(kind.retryable).toBe(true);
      expect(kind.outcomeUnknown).toBe(true);
    }
  });

  it('retries a refused connection, which cannot have been applied', () => {
    const kind = classifyS3Error(socketError('ECONNREFUSED'));
    expect(kind).toMatchObject({ retryable: true, outcomeUnknown: false });
  });

  it('never retries not-found, precondition failures or access errors', () => {
    expect(classifyS3Error(s3Error('NoSuchKey', 404))).toMatchObject({ notFound: true, retryable: false });
    expect(classifyS3Error(s3Error('NotFound', 404))).toMatchObject({ notFound: true, retryable: false });
    expect(classifyS3Error(s3Error('PreconditionFailed', 412))).toMatchObject({
      preconditionFailed: true,
      retryable: false,
    });
    expect(classifyS3Error(s3Error('AccessDenied', 403))).toMatchObject({
      retryable: false,
      status: 403,
      code: 'AccessDenied',
    });
  });
});

describe('parseS3Uri', () => {
  it('splits bucket and key and keeps Hadoop scheme aliases', () => {
    expect(parseS3Uri('s3://bucket/a/b.parquet', { requireKey: true })).toEqual({
      scheme: 's3',
      bucket: 'bucket',
      key: 'a/b.parquet',
    });
    expect(parseS3Uri('s3a://bucket/k', { requireKey: true })).toMatchObject({
      scheme: 's3a',
      bucket: 'bucket',
      key: 'k',
    });
    expect(parseS3Uri('s3n://bucket', { requireKey: false })).toMatchObject({ scheme: 's3n', key: '' });
  });

  it('rejects other schemes and object operations without a key', () => {
    expect(() => parseS3Uri('gs://bucket/k', { requireKey: true })).toThrow(/not an s3/);
    expect(() => parseS3Uri('s3://bucket/', { requireKey: true })).toThrow(/no object key/);
  });
});
