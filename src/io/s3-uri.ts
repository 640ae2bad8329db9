// s3://bucket/key URIs. s3a:// and s3n:// (Hadoop's names for the same store)
// are accepted and keep their scheme when echoed back, e.g. by list().
import { StorageError } from '../errors.ts';

export type S3Scheme = 's3' | 's3a' | 's3n';

export interface S3Location {
  readonly scheme: S3Scheme;
  readonly bucket: string;
  /** Without a leading slash; '' for the bucket root. */
  readonly key: string;
}

const S3_URI = /^(s3|s3a|s3n):\/\/([^/]+)(?:\/(.*))?$/;

export function isS3Uri(path: string): boolean {
  return /^(s3|s3a|s3n):\/\//.test(path);
}

export function parseS3Uri(path: string, options: { requireKey: boolean }): S3Location {
  const match = S3_URI.exec(path);
  if (!match) throw new StorageError(`not an s3:// URI: ${path}`, { path }, false);
  const key = match[3] ?? '';
  if (options.requireKey && key === '') {
    throw new StorageError(`s3 URI names a bucket but no object key: ${path}`, { path }, false);
  }
  return { scheme: match[1] as S3Scheme, bucket: match[2] as string, key };
}
