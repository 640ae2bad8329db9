// One table's part of a SQL catalog commit, before and after the row swap:
// read the current metadata, check the requirements, apply the updates, write
// the next metadata file; then, depending on how the swap went, delete that
// file (nothing was published) or the metadata files the log no longer keeps.
import { randomUUID } from 'node:crypto';
import { CommitConflictError } from '../../errors.ts';
import { applyUpdates, checkRequirements } from '../../iceberg/apply-updates.ts';
import type { MetadataLogEntry, TableMetadata } from '../../iceberg/table-metadata.ts';
import { parseTableMetadata, serializeTableMetadata } from '../../iceberg/table-metadata-json.ts';
import type { TableRequirement, TableUpdate } from '../../iceberg/table-update.ts';
import type { FileIO } from '../../io/file-io.ts';
import type { Logger } from '../../log.ts';
import {
  appendMetadataLog,
  deletesExpiredMetadata,
  metadataFileLocation,
  metadataFileVersion,
} from './metadata-files.ts';

/** A commit whose new metadata file is written and waits for the row swap. */
export interface PreparedCommit {
  readonly kind: 'prepared';
  readonly baseLocation: string;
  readonly location: string;
  readonly metadata: TableMetadata;
  /** Metadata-log entries trimmed by this commit, deleted after it if the table asks. */
  readonly expired: readonly MetadataLogEntry[];
}

/** A commit with no updates: the requirements held, nothing to publish. */
export interface UnchangedCommit {
  readonly kind: 'unchanged';
  readonly baseLocation: string;
  readonly metadata: TableMetadata;
}

export class SqlTableCommit {
  readonly #io: FileIO;
  readonly #clock: () => number;
  readonly #logger: Logger;

  constructor(io: FileIO, clock: () => number, logger: Logger) {
    this.#io = io;
    this.#clock = clock;
    this.#logger = logger;
  }

  async readMetadata(location: string): Promise<TableMetadata> {
    return parseTableMetadata(new TextDecoder().decode(await this.#io.read(location)));
  }

  /**
   * Everything up to the swap. A failed requirement is CommitConflictError
   * naming the table (`table` in messages, `context` its error context);
   * nothing is written then.
   */
  async prepare(
    table: string,
    context: Readonly<Record<string, string>>,
    baseLocation: string,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<PreparedCommit | UnchangedCommit> {
    const base = await this.readMetadata(baseLocation);
    try {
      checkRequirements(base, requirements);
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      throw new CommitConflictError(
        `table ${table}: ${error.message}`,
        { ...error.context, ...context, baseMetadataLocation: baseLocation },
        { cause: error },
      );
    }
    if (updates.length === 0) return { kind: 'unchanged', baseLocation, metadata: base };
    const updated = applyUpdates(base, updates, { nowMs: this.#clock() });
    const { metadata, expired } = appendMetadataLog(updated, base, baseLocation);
    const location = metadataFileLocation(metadata, metadataFileVersion(baseLocation) + 1, randomUUID());
    await this.writeMetadata(location, metadata);
    return { kind: 'prepared', baseLocation, location, metadata, expired };
  }

  async writeMetadata(location: string, metadata: TableMetadata): Promise<void> {
    const bytes = new TextEncoder().encode(serializeTableMetadata(metadata));
    await this.#io.write(location, bytes, { ifNotExists: true });
  }

  /** The swap did not happen: the written files are orphans. */
  async discard(commits: Iterable<PreparedCommit | UnchangedCommit>): Promise<void> {
    for (const commit of commits) if (commit.kind === 'prepared') await this.deleteOrphan(commit.location);
  }

  /** The swap happened: drop what the metadata log let go of, if the table asks. */
  async published(commit: PreparedCommit | UnchangedCommit): Promise<void> {
    if (commit.kind !== 'prepared' || !deletesExpiredMetadata(commit.metadata)) return;
    for (const entry of commit.expired) await this.deleteOrphan(entry.metadataFile);
  }

  async deleteOrphan(location: string): Promise<void> {
    try {
      await this.#io.delete(location);
    } catch (err) {
      this.#logger.warn('cannot delete an unpublished metadata file; it is an orphan', {
        err,
        path: location,
      });
    }
  }
}
