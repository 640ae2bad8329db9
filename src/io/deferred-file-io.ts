// A FileIO made by an asynchronous factory on first use. `floe run` loads the
// AWS SDK this way: a worker whose tables are on local disk never loads it
// (importing it took a measurable part of start-up), and one on S3 loads it
// with its first file.
import { type FileInfo, type FileIO, type FileOutput, openOutput, type WriteOptions } from './file-io.ts';

export class DeferredFileIO implements FileIO {
  readonly #make: () => Promise<FileIO>;
  #io: Promise<FileIO> | undefined;

  constructor(make: () => Promise<FileIO>) {
    this.#make = make;
  }

  async read(path: string): Promise<Uint8Array> {
    return (await this.#resolve()).read(path);
  }

  async write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return (await this.#resolve()).write(path, data, options);
  }

  create(path: string): FileOutput {
    const output = this.#resolve().then((io) => openOutput(io, path));
    output.catch(() => undefined); // reported by the first write, close or abort
    return {
      write: async (piece) => (await output).write(piece),
      close: async () => (await output).close(),
      abort: async () => (await output).abort(),
    };
  }

  async exists(path: string): Promise<boolean> {
    return (await this.#resolve()).exists(path);
  }

  async delete(path: string): Promise<void> {
    return (await this.#resolve()).delete(path);
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    yield* (await this.#resolve()).list(prefix);
  }

  /** The FileIO, made once; a factory that failed is tried again by the next call. */
  #resolve(): Promise<FileIO> {
    if (this.#io === undefined) {
      const made = this.#make();
      this.#io = made;
      made.catch(() => {
        if (this.#io === made) this.#io = undefined;
      });
    }
    return this.#io;
  }
}
