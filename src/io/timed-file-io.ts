// A FileIO that counts the wall-clock seconds spent writing (the `upload` stage
// of the worker's stage clock, src/worker/stage-clock.ts): whole-object writes
// and the parts of streamed files. Reads, lists and deletes pass through.
import { type FileInfo, type FileIO, type FileOutput, openOutput, type WriteOptions } from './file-io.ts';

export class TimedFileIO implements FileIO {
  readonly #inner: FileIO;
  #writeMs = 0;

  constructor(inner: FileIO) {
    this.#inner = inner;
  }

  /** Seconds spent in writes since this FileIO was made (overlapping writes count each). */
  get writeSeconds(): number {
    return this.#writeMs / 1000;
  }

  read(path: string): Promise<Uint8Array> {
    return this.#inner.read(path);
  }

  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.#timed(() => this.#inner.write(path, data, options));
  }

  create(path: string): FileOutput {
    const output = openOutput(this.#inner, path);
    return {
      write: (piece) => this.#timed(() => output.write(piece)),
      close: () => this.#timed(() => output.close()),
      abort: () => output.abort(),
    };
  }

  async #timed(work: () => Promise<void>): Promise<void> {
    const start = performance.now();
    try {
      await work();
    } finally {
      this.#writeMs += performance.now() - start;
    }
  }

  exists(path: string): Promise<boolean> {
    return this.#inner.exists(path);
  }

  delete(path: string): Promise<void> {
    return this.#inner.delete(path);
  }

  list(prefix: string): AsyncIterable<FileInfo> {
    return this.#inner.list(prefix);
  }
}
