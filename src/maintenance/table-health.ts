// How big a table's metadata and files are, for the per-table gauges
// (docs/operations.md, "Metrics"): read from what a table load hands out, the
// current snapshot's manifest list (one small file, read once: it is immutable)
// and the size of the current metadata.json (a listing of that one path). No
// manifest and no data file is read.
import type { LoadedTable } from '../catalog/catalog.ts';
import { branchHead, type TableMetadata } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { ManifestCache } from './manifest-cache.ts';

export interface TableHealth {
  /** Snapshots in the table metadata (every branch and tag's history). */
  readonly snapshots: number;
  /** Manifests in main's current manifest list. */
  readonly manifests: number;
  /** Live data files of main's current snapshot (its summary's total-data-files). */
  readonly dataFiles?: number;
  /** Live delete files (position deletes, deletion vectors; total-delete-files). */
  readonly deleteFiles?: number;
  /** Bytes of the live data and delete files (total-files-size). */
  readonly filesBytes?: number;
  /** filesBytes over the live data and delete files; undefined without files. */
  readonly averageFileBytes?: number;
  /** Size of the current metadata.json. */
  readonly metadataBytes?: number;
}

/** The summary's figures of main's current snapshot and the snapshot count. */
export function summaryHealth(metadata: TableMetadata): Omit<TableHealth, 'manifests' | 'metadataBytes'> {
  const summary = branchHead(metadata, 'main')?.summary ?? {};
  const total = (key: string): number | undefined => {
    const text = summary[key];
    const value = text === undefined ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const dataFiles = total('total-data-files');
  const deleteFiles = total('total-delete-files');
  const filesBytes = total('total-files-size');
  const files = (dataFiles ?? 0) + (deleteFiles ?? 0);
  return {
    snapshots: metadata.snapshots.length,
    ...(dataFiles !== undefined ? { dataFiles } : {}),
    ...(deleteFiles !== undefined ? { deleteFiles } : {}),
    ...(filesBytes !== undefined ? { filesBytes } : {}),
    ...(filesBytes !== undefined && dataFiles !== undefined && files > 0
      ? { averageFileBytes: filesBytes / files }
      : {}),
  };
}

export class TableHealthReader {
  readonly #io: FileIO;
  readonly #manifests: ManifestCache;

  constructor(io: FileIO) {
    this.#io = io;
    // Only manifest lists go in; a small bound keeps the ones of recent snapshots.
    this.#manifests = new ManifestCache(io, 10_000);
  }

  async read(table: LoadedTable): Promise<TableHealth> {
    const head = branchHead(table.metadata, 'main');
    const manifests = head ? (await this.#manifests.manifestList(head.manifestList, true)).length : 0;
    const metadataBytes = await this.#size(table.metadataLocation);
    return {
      ...summaryHealth(table.metadata),
      manifests,
      ...(metadataBytes !== undefined ? { metadataBytes } : {}),
    };
  }

  async #size(path: string): Promise<number | undefined> {
    for await (const file of this.#io.list(path)) if (file.path === path) return file.size;
    return undefined;
  }
}
