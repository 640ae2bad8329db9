// What manifest lists and manifests name, read once per process: both are
// immutable files, so a table's expiry run reads only what was written since
// the last run. Entries are forgotten when their file is deleted, and all of
// them when the cache grows past its bound. A batch of paths is read a bounded
// number at a time (concurrent-map.ts): a cold cache (the first expiry after a
// worker starts, every `floe maintain`) reads the manifest list of every
// retained snapshot and their manifests, hundreds of object-store round trips.
import { decodeManifest } from '../iceberg/manifest.ts';
import { ENTRY_STATUS } from '../iceberg/manifest-entry.ts';
import { decodeManifestList } from '../iceberg/manifest-list.ts';
import { type FileIO, isNotFound } from '../io/file-io.ts';
import { MAINTENANCE_IO_CONCURRENCY, mapConcurrently } from './concurrent-map.ts';

export interface ManifestPaths {
  /** Every data or delete file an entry names, whatever its status. */
  readonly all: readonly string[];
  /** The files of ADDED and EXISTING entries. */
  readonly live: readonly string[];
}

const DEFAULT_MAX_ENTRIES = 100_000;

export class ManifestCache {
  readonly #io: FileIO;
  readonly #maxEntries: number;
  readonly #concurrency: number;
  readonly #lists = new Map<string, readonly string[]>();
  readonly #manifests = new Map<string, ManifestPaths>();

  /** `concurrency`: reads in flight at once in manifestLists() and manifests(). */
  constructor(io: FileIO, maxEntries = DEFAULT_MAX_ENTRIES, concurrency = MAINTENANCE_IO_CONCURRENCY) {
    this.#io = io;
    this.#maxEntries = maxEntries;
    this.#concurrency = concurrency;
  }

  /** manifestList() of each path, in order, `concurrency` reads at a time. */
  manifestLists(paths: Iterable<string>, missingOk = false): Promise<(readonly string[])[]> {
    return mapConcurrently(paths, this.#concurrency, (path) => this.manifestList(path, missingOk));
  }

  /** manifest() of each path, in order, `concurrency` reads at a time. */
  manifests(paths: Iterable<string>, missingOk = false): Promise<ManifestPaths[]> {
    return mapConcurrently(paths, this.#concurrency, (path) => this.manifest(path, missingOk));
  }

  /** The manifests a manifest list names; none when the list is gone (`missingOk`). */
  async manifestList(path: string, missingOk = false): Promise<readonly string[]> {
    const known = this.#lists.get(path);
    if (known) return known;
    const bytes = await this.#read(path, missingOk);
    const manifests = bytes === undefined ? [] : decodeManifestList(bytes).map((m) => m.manifestPath);
    if (bytes !== undefined) this.#remember(this.#lists, path, manifests);
    return manifests;
  }

  /** The files a manifest names; none when it is gone (`missingOk`). */
  async manifest(path: string, missingOk = false): Promise<ManifestPaths> {
    const known = this.#manifests.get(path);
    if (known) return known;
    const bytes = await this.#read(path, missingOk);
    if (bytes === undefined) return { all: [], live: [] };
    const entries = decodeManifest(bytes).entries;
    const paths: ManifestPaths = {
      all: entries.map((e) => e.dataFile.filePath),
      live: entries.filter((e) => e.status !== ENTRY_STATUS.DELETED).map((e) => e.dataFile.filePath),
    };
    this.#remember(this.#manifests, path, paths);
    return paths;
  }

  forget(path: string): void {
    this.#lists.delete(path);
    this.#manifests.delete(path);
  }

  async #read(path: string, missingOk: boolean): Promise<Uint8Array | undefined> {
    try {
      return await this.#io.read(path);
    } catch (error) {
      if (missingOk && isNotFound(error)) return undefined;
      throw error;
    }
  }

  #remember<V>(map: Map<string, V>, path: string, value: V): void {
    if (this.#lists.size + this.#manifests.size >= this.#maxEntries) {
      this.#lists.clear();
      this.#manifests.clear();
    }
    map.set(path, value);
  }
}
