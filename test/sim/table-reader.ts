// Reads a table back the way a query engine would, through floe's own metadata,
// manifest list and manifest decoders, and the Parquet files' `id` column
// (parquet-wasm). Files are immutable, so every decoded file is cached by path:
// checking after each commit costs only the files that commit added.
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import type { TableIdentifier } from '../../src/catalog/catalog.ts';
import type { DataFile } from '../../src/iceberg/data-file.ts';
import { decodeManifest } from '../../src/iceberg/manifest.ts';
import { ENTRY_STATUS } from '../../src/iceberg/manifest-entry.ts';
import { decodeManifestList, type ManifestFile } from '../../src/iceberg/manifest-list.ts';
import type { Snapshot } from '../../src/iceberg/snapshot.ts';
import { ancestors, branchHead, type TableMetadata } from '../../src/iceberg/table-metadata.ts';
import { parseTableMetadata } from '../../src/iceberg/table-metadata-json.ts';
import type { FileIO } from '../../src/io/file-io.ts';

export interface TableView {
  readonly name: string;
  readonly metadataLocation: string;
  readonly metadata: TableMetadata;
  /** main's ancestry, oldest first. */
  readonly chain: readonly Snapshot[];
  /** Data files of main's head (not deleted). */
  readonly liveFiles: readonly DataFile[];
  /** Row ids of the live files -> how many rows carry each. */
  readonly ids: ReadonlyMap<string, number>;
  /** Which live file holds each id (the first one, for messages). */
  readonly fileOf: ReadonlyMap<string, string>;
}

/** Where a table's current metadata file is; undefined when the table does not exist. */
export type LocateTable = (id: TableIdentifier) => Promise<string | undefined>;

export class TableReader {
  readonly #locate: LocateTable;
  readonly #io: FileIO;

  /** The files it reads (without faults). */
  get io(): FileIO {
    return this.#io;
  }
  readonly #metadata = new Map<string, TableMetadata>();
  readonly #lists = new Map<string, ManifestFile[]>();
  readonly #manifests = new Map<string, Array<{ status: number; file: DataFile }>>();
  readonly #ids = new Map<string, string[]>();

  constructor(locate: LocateTable, io: FileIO) {
    this.#locate = locate;
    this.#io = io;
  }

  /** The metadata file at `location`, parsed once. */
  async metadataAt(location: string): Promise<TableMetadata> {
    let metadata = this.#metadata.get(location);
    if (metadata === undefined) {
      metadata = parseTableMetadata(new TextDecoder().decode(await this.#io.read(location)));
      this.#metadata.set(location, metadata);
    }
    return metadata;
  }

  async read(id: TableIdentifier): Promise<TableView | undefined> {
    const location = await this.#locate(id);
    if (location === undefined) return undefined;
    const metadata = await this.metadataAt(location);
    const head = branchHead(metadata, 'main');
    const chain = head ? ancestors(metadata, head.snapshotId).reverse() : [];
    const liveFiles = head ? await this.liveFiles(head) : [];
    const ids = new Map<string, number>();
    const fileOf = new Map<string, string>();
    for (const file of liveFiles) {
      for (const rowId of await this.#rowIds(file)) {
        ids.set(rowId, (ids.get(rowId) ?? 0) + 1);
        if (!fileOf.has(rowId)) fileOf.set(rowId, file.filePath);
      }
    }
    return {
      name: [...id.namespace, id.name].join('.'),
      metadataLocation: location,
      metadata,
      chain,
      liveFiles,
      ids,
      fileOf,
    };
  }

  /** Files the table's current metadata reaches (any snapshot's list, manifests, live files) that do not exist. */
  async missing(id: TableIdentifier): Promise<string[]> {
    const location = await this.#locate(id);
    if (location === undefined) return [];
    const reached = new Set<string>();
    const exists = (path: string) => this.#io.exists(path);
    for (const snapshot of (await this.metadataAt(location)).snapshots) {
      reached.add(snapshot.manifestList);
      if (!(await exists(snapshot.manifestList))) continue;
      for (const manifest of await this.#list(snapshot.manifestList)) {
        if (reached.has(manifest.manifestPath)) continue;
        reached.add(manifest.manifestPath);
        if (!(await exists(manifest.manifestPath))) continue;
        for (const entry of await this.#manifest(manifest.manifestPath))
          if (entry.status !== ENTRY_STATUS.DELETED) reached.add(entry.file.filePath);
      }
    }
    const missing: string[] = [];
    for (const path of reached) if (!(await exists(path))) missing.push(path);
    return missing.sort();
  }

  async liveFiles(snapshot: Snapshot): Promise<DataFile[]> {
    const files: DataFile[] = [];
    for (const manifest of await this.#list(snapshot.manifestList)) {
      if (manifest.content !== 0) continue;
      for (const entry of await this.#manifest(manifest.manifestPath)) {
        if (entry.status !== ENTRY_STATUS.DELETED) files.push(entry.file);
      }
    }
    return files;
  }

  async #list(path: string): Promise<ManifestFile[]> {
    let list = this.#lists.get(path);
    if (list === undefined) {
      list = decodeManifestList(await this.#io.read(path));
      this.#lists.set(path, list);
    }
    return list;
  }

  async #manifest(path: string): Promise<Array<{ status: number; file: DataFile }>> {
    let entries = this.#manifests.get(path);
    if (entries === undefined) {
      entries = decodeManifest(await this.#io.read(path)).entries.map((e) => ({
        status: e.status,
        file: e.dataFile,
      }));
      this.#manifests.set(path, entries);
    }
    return entries;
  }

  async #rowIds(file: DataFile): Promise<string[]> {
    let ids = this.#ids.get(file.filePath);
    if (ids === undefined) {
      const bytes = await this.#io.read(file.filePath);
      const table = tableFromIPC(readParquet(bytes, { columns: ['id'] }).intoIPCStream());
      const column = table.getChild('id');
      ids = [];
      for (let i = 0; i < table.numRows; i++) ids.push(String(column?.get(i) ?? `<null row ${i}>`));
      if (ids.length !== file.recordCount) {
        throw new Error(
          `${file.filePath}: manifest says ${file.recordCount} rows, the file has ${ids.length}`,
        );
      }
      this.#ids.set(file.filePath, ids);
    }
    return ids;
  }
}
