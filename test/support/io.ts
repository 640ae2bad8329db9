// FileIO for integration tests: local disk plus the S3 store of scripts/services.
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { ResolvingFileIO } from '../../src/io/resolving-file-io.ts';
import { S3FileIO } from '../../src/io/s3-file-io.ts';
import { services } from './services.ts';

export function testFileIO(): ResolvingFileIO {
  return new ResolvingFileIO({
    local: new LocalFileIO(),
    s3: () =>
      new S3FileIO({
        endpoint: services.s3.endpoint,
        region: services.s3.region,
        forcePathStyle: true,
        accessKeyId: services.s3.accessKeyId,
        secretAccessKey: services.s3.secretAccessKey,
      }),
  });
}
