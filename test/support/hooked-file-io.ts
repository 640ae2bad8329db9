// A FileIO that runs a test's hook after each write, to interleave another
// writer (or a fault) at the exact moment a catalog has written a file.
import type { FileIO } from '../../src/io/file-io.ts';

export function afterEachWrite(inner: FileIO, hook: (path: string) => Promise<void>): FileIO {
  return {
    read: (path) => inner.read(path),
    exists: (path) => inner.exists(path),
    delete: (path) => inner.delete(path),
    list: (prefix) => inner.list(prefix),
    write: async (path, data, options) => {
      await inner.write(path, data, options);
      await hook(path);
    },
  };
}
