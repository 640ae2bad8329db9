// The FileIO one simulated actor sees: the real LocalFileIO behind a scheduling
// point and a seeded fault at every call (transient failure, crash before, or a
// write that lands and then the crash). The actor's calls run one after the
// other, in the order they were made: maintenance reads and deletes several
// files at once (src/maintenance/concurrent-map.ts), and the scheduler gives
// an actor one turn at a time, so a concurrent call waits for the one before
// it to settle and then for its own turn. A linked actor (a pipelined commit)
// has its own queue: its calls and the process's main loop's interleave as the
// driver grants them turns.
import type { FileInfo, FileIO, WriteOptions } from '../../src/io/file-io.ts';
import type { CallKind, FaultPlan } from './fault-plan.ts';
import { atFaultPoint } from './fault-point.ts';
import type { SimWorld } from './sim-world.ts';

/** The last path segment: enough to tell a manifest list from a data file in the schedule. */
const short = (path: string) => {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.endsWith('.parquet')
    ? 'data.parquet'
    : base.endsWith('.puffin')
      ? 'deletes.puffin'
      : base.startsWith('snap-')
        ? 'manifest-list'
        : base.endsWith('.avro')
          ? 'manifest'
          : base.endsWith('.metadata.json')
            ? 'metadata.json'
            : base;
};

export class SimFileIO implements FileIO {
  readonly #inner: FileIO;
  readonly #actor: string;
  readonly #world: SimWorld;
  readonly #faults: FaultPlan;
  /** Each actor's latest call, settled or not. */
  readonly #latest = new Map<string, Promise<unknown>>();

  constructor(inner: FileIO, actor: string, world: SimWorld, faults: FaultPlan) {
    this.#inner = inner;
    this.#actor = actor;
    this.#world = world;
    this.#faults = faults;
  }

  #call<T>(label: string, kind: CallKind, run: () => Promise<T>): Promise<T> {
    const actor = this.#world.scheduler.current(this.#actor);
    const call = (this.#latest.get(actor) ?? Promise.resolve()).then(() =>
      atFaultPoint({ world: this.#world, actor, faults: this.#faults }, label, kind, run),
    );
    this.#latest.set(
      actor,
      call.then(
        () => undefined,
        () => undefined,
      ),
    );
    return call;
  }

  read(path: string): Promise<Uint8Array> {
    return this.#call(`io.read(${short(path)})`, 'read', () => this.#inner.read(path));
  }

  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.#call(`io.write(${short(path)})`, 'write', () => this.#inner.write(path, data, options));
  }

  exists(path: string): Promise<boolean> {
    return this.#call(`io.exists(${short(path)})`, 'read', () => this.#inner.exists(path));
  }

  delete(path: string): Promise<void> {
    return this.#call(`io.delete(${short(path)})`, 'write', () => this.#inner.delete(path));
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const files = await this.#call('io.list', 'read', async () => {
      const found: FileInfo[] = [];
      for await (const file of this.#inner.list(prefix)) found.push(file);
      return found;
    });
    yield* files;
  }
}
