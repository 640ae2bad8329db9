// FileIO on S3 and S3-compatible stores; the one file that imports the AWS SDK.
// The SDK's own retries are off: retry.ts retries idempotent operations with
// full-jitter backoff, and create-only writes reconcile an ambiguous retry by
// ETag instead of guessing.
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AlreadyExistsError, StorageError } from '../errors.ts';
import { type Logger, silentLogger } from '../log.ts';
import {
  alreadyExistsError,
  type FileInfo,
  type FileIO,
  type FileOutput,
  notFoundError,
  type WriteOptions,
} from './file-io.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry.ts';
import { classifyS3Error, type S3ErrorClass } from './s3-error.ts';
import { type MultipartCalls, S3StreamedUpload } from './s3-streamed-upload.ts';
import { parseS3Uri, type S3Location } from './s3-uri.ts';

const MIB = 1024 * 1024;

export interface S3FileIOOptions {
  /** e.g. http://127.0.0.1:9000 for an S3-compatible store; AWS when absent. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
  /** Static keys; without them the SDK's default credential chain is used. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** Objects larger than this go up as multipart uploads. */
  readonly multipartThresholdBytes?: number;
  readonly partSizeBytes?: number;
  readonly partConcurrency?: number;
  readonly retry?: RetryPolicy;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class S3FileIO implements FileIO {
  readonly #client: S3Client;
  readonly #threshold: number;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  readonly #retry: RetryPolicy;
  readonly #log: Logger;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;

  constructor(options: S3FileIOOptions = {}) {
    const config: S3ClientConfig = {
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: 1,
      // S3-compatible stores often lack the flexible checksums newer SDKs send by default.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
        requestTimeout: options.requestTimeoutMs ?? 120_000,
        throwOnRequestTimeout: true,
      },
    };
    if (options.endpoint) config.endpoint = options.endpoint;
    if (options.accessKeyId && options.secretAccessKey) {
      config.credentials = {
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
      };
    }
    this.#client = new S3Client(config);
    this.#partSize = Math.max(5 * MIB, options.partSizeBytes ?? 16 * MIB);
    this.#threshold = options.multipartThresholdBytes ?? this.#partSize;
    this.#partConcurrency = Math.max(1, options.partConcurrency ?? 4);
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#log = options.logger ?? silentLogger;
    this.#sleep = options.sleep;
  }

  async read(path: string): Promise<Uint8Array> {
    const loc = parseS3Uri(path, { requireKey: true });
    return this.#retrying('read', path, async () => {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
      if (!out.Body) throw new StorageError(`S3 returned no body for ${path}`, { path }, true);
      return out.Body.transformToByteArray();
    });
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const loc = parseS3Uri(path, { requireKey: true });
    const ifNotExists = options.ifNotExists ?? false;
    if (data.byteLength > this.#threshold) {
      await this.#writeMultipart(loc, path, data, ifNotExists);
    } else {
      await this.#writeSingle(loc, path, data, ifNotExists);
    }
  }

  /** A multipart upload fed part by part (parts of partSizeBytes), completed on close. */
  create(path: string): FileOutput {
    return new S3StreamedUpload(
      this.#multipartCalls(parseS3Uri(path, { requireKey: true }), path),
      this.#partSize,
    );
  }

  async exists(path: string): Promise<boolean> {
    const loc = parseS3Uri(path, { requireKey: true });
    return this.#retrying('exists', path, async () => {
      try {
        await this.#client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
        return true;
      } catch (error) {
        if (classifyS3Error(error).notFound) return false;
        throw error;
      }
    });
  }

  async delete(path: string): Promise<void> {
    const loc = parseS3Uri(path, { requireKey: true });
    await this.#retrying('delete', path, async () => {
      try {
        await this.#client.send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
      } catch (error) {
        if (!classifyS3Error(error).notFound) throw error;
      }
    });
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const loc = parseS3Uri(prefix, { requireKey: false });
    let token: string | undefined;
    do {
      const page = await this.#retrying('list', prefix, () =>
        this.#client.send(
          new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.key, ContinuationToken: token }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          path: `${loc.scheme}://${loc.bucket}/${object.Key}`,
          size: object.Size ?? 0,
          lastModifiedMs: object.LastModified?.getTime() ?? 0,
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.#client.destroy();
  }

  async #writeSingle(loc: S3Location, path: string, data: Uint8Array, ifNotExists: boolean): Promise<void> {
    // An earlier attempt that may have landed turns a later 412 into "was it ours?".
    let maybeLanded = false;
    await this.#retrying('write', path, async () => {
      try {
        await this.#client.send(
          new PutObjectCommand({
            Bucket: loc.bucket,
            Key: loc.key,
            Body: data,
            ContentLength: data.byteLength,
            ...(ifNotExists ? { IfNoneMatch: '*' } : {}),
          }),
        );
      } catch (error) {
        const kind = classifyS3Error(error);
        if (ifNotExists && kind.preconditionFailed) {
          if (maybeLanded && (await this.#etagIs(loc, md5Hex(data)))) return;
          throw alreadyExistsError(path, error);
        }
        if (kind.outcomeUnknown) maybeLanded = true;
        throw error;
      }
    });
  }

  async #writeMultipart(
    loc: S3Location,
    path: string,
    data: Uint8Array,
    ifNotExists: boolean,
  ): Promise<void> {
    const created = await this.#retrying('write', path, () =>
      this.#client.send(new CreateMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key })),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new StorageError(`S3 returned no upload id for ${path}`, { path }, true);
    const context = { path, uploadId };
    const partCount = Math.ceil(data.byteLength / this.#partSize);
    const etags: string[] = new Array(partCount);
    const partDigests: Buffer[] = new Array(partCount);
    try {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < partCount) {
          const index = next++;
          const body = data.subarray(
            index * this.#partSize,
            Math.min(data.byteLength, (index + 1) * this.#partSize),
          );
          partDigests[index] = createHash('md5').update(body).digest();
          // Re-uploading a part number replaces it, so parts retry freely.
          const out = await this.#retrying('write', path, () =>
            this.#client.send(
              new UploadPartCommand({
                Bucket: loc.bucket,
                Key: loc.key,
                UploadId: uploadId,
                PartNumber: index + 1,
                Body: body,
                ContentLength: body.byteLength,
              }),
            ),
          );
          if (!out.ETag)
            throw new StorageError(`S3 returned no ETag for part ${index + 1} of ${path}`, context, true);
          etags[index] = out.ETag;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.#partConcurrency, partCount) }, worker));
    } catch (error) {
      // Nothing was published yet: dropping the upload only frees its parts.
      await this.#abort(loc, uploadId);
      throw error;
    }
    const expectedEtag = `${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-${partCount}`;
    let maybeLanded = false;
    try {
      await this.#retrying('write', path, async () => {
        try {
          await this.#client.send(
            new CompleteMultipartUploadCommand({
              Bucket: loc.bucket,
              Key: loc.key,
              UploadId: uploadId,
              MultipartUpload: { Parts: etags.map((etag, i) => ({ ETag: etag, PartNumber: i + 1 })) },
              ...(ifNotExists ? { IfNoneMatch: '*' } : {}),
            }),
          );
        } catch (error) {
          const kind = classifyS3Error(error);
          const ours = maybeLanded && (kind.preconditionFailed || kind.noSuchUpload);
          if (ours && (await this.#etagIs(loc, expectedEtag))) return;
          if (ifNotExists && kind.preconditionFailed) throw alreadyExistsError(path, error);
          if (kind.outcomeUnknown) maybeLanded = true;
          throw error;
        }
      });
    } catch (error) {
      // On an unknown outcome the object may be live: leave everything as it is.
      if (!maybeLanded) await this.#abort(loc, uploadId);
      throw error;
    }
  }

  #multipartCalls(loc: S3Location, path: string): MultipartCalls {
    const object = { Bucket: loc.bucket, Key: loc.key };
    return {
      put: (data) => this.#writeSingle(loc, path, data, false),
      begin: async () => {
        const created = await this.#retrying('write', path, () =>
          this.#client.send(new CreateMultipartUploadCommand(object)),
        );
        if (!created.UploadId) throw new StorageError(`S3 returned no upload id for ${path}`, { path }, true);
        return created.UploadId;
      },
      part: async (uploadId, number, body) => {
        const out = await this.#retrying('write', path, () =>
          this.#client.send(
            new UploadPartCommand({
              ...object,
              UploadId: uploadId,
              PartNumber: number,
              Body: body,
              ContentLength: body.byteLength,
            }),
          ),
        );
        if (!out.ETag)
          throw new StorageError(`S3 returned no ETag for part ${number} of ${path}`, { path }, true);
        return out.ETag;
      },
      complete: async (uploadId, etags) => {
        // A retry after an unknown outcome may find the upload gone because it completed.
        let maybeLanded = false;
        await this.#retrying('write', path, async () => {
          try {
            await this.#client.send(
              new CompleteMultipartUploadCommand({
                ...object,
                UploadId: uploadId,
                MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
              }),
            );
          } catch (error) {
            const kind = classifyS3Error(error);
            if (maybeLanded && kind.noSuchUpload && (await this.exists(path))) return;
            if (kind.outcomeUnknown) maybeLanded = true;
            throw error;
          }
        });
      },
      abort: (uploadId) => this.#abort(loc, uploadId),
    };
  }

  async #etagIs(loc: S3Location, expected: string): Promise<boolean> {
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
      return head.ETag?.replaceAll('"', '') === expected;
    } catch {
      return false;
    }
  }

  async #abort(loc: S3Location, uploadId: string): Promise<void> {
    try {
      await this.#client.send(
        new AbortMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId }),
      );
    } catch (error) {
      this.#log.warn('could not abort multipart upload', {
        bucket: loc.bucket,
        key: loc.key,
        uploadId,
        err: error,
      });
    }
  }

  /** Runs one S3 call with retries; every failure leaves as a FloeError with context {path}. */
  async #retrying<T>(operation: string, path: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(call, {
        policy: this.#retry,
        isRetryable: (error) => isTransient(error),
        onRetry: (error, attempt, delayMs) =>
          this.#log.debug('retrying S3 operation', { operation, path, attempt, delayMs, err: error }),
        ...(this.#sleep ? { sleep: this.#sleep } : {}),
      });
    } catch (error) {
      throw toStorageError(operation, path, error);
    }
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof StorageError) return error.retryable;
  if (error instanceof AlreadyExistsError) return false;
  return classifyS3Error(error).retryable;
}

function toStorageError(operation: string, path: string, error: unknown): Error {
  if (error instanceof StorageError || error instanceof AlreadyExistsError) return error;
  const kind: S3ErrorClass = classifyS3Error(error);
  if (kind.notFound && operation === 'read') return notFoundError(path, error);
  const detail = describe(error);
  const context = { path, status: kind.status, code: kind.code };
  return new StorageError(`S3 ${operation} failed for ${path}: ${detail}`, context, kind.retryable, {
    cause: error,
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}
