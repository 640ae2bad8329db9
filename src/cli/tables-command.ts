// `floe tables`: each connector's tables, their snapshots, and the offsets
// committed per partition (the table's own record of progress), with the lag
// to the broker's high watermark when --lag is given. `floe tables orphans`:
// orphan file cleanup of one table.
import { formatTableIdentifier, parseTableIdentifier } from '../catalog/table-identifier.ts';
import { connectorTables } from '../config/connector-config.ts';
import { ConfigError, NoSuchNamespaceError, NoSuchTableError } from '../errors.ts';
import { branchHead, type TableMetadata } from '../iceberg/table-metadata.ts';
import { silentLogger } from '../log.ts';
import { type OrphanResult, removeOrphanFiles } from '../maintenance/orphan-files.ts';
import { committedOffsets } from '../worker/commit/table-offsets.ts';
import { KafkaAdminClient } from '../worker/kafka/admin-client.ts';
import { loadConfig } from './load-config.ts';
import { buildCatalog, buildFileIO, kafkaClientConfig } from './runtime-factory.ts';

export interface TablesOptions {
  readonly config: string;
  readonly lag?: boolean;
  readonly json?: boolean;
}

export async function tablesCommand(options: TablesOptions, out: (line: string) => void): Promise<number> {
  const { worker, connectors } = loadConfig(options.config);
  const io = buildFileIO(worker, silentLogger);
  const catalog = await buildCatalog(worker, io, silentLogger);
  const admin = options.lag
    ? KafkaAdminClient.create(kafkaClientConfig(worker), { timeoutMs: 10_000 })
    : undefined;
  await admin?.connect();
  const report: unknown[] = [];
  try {
    for (const connector of connectors) {
      for (const name of connectorTables(connector)) {
        const id = parseTableIdentifier(name);
        let metadata: TableMetadata;
        let metadataLocation: string;
        try {
          ({ metadata, metadataLocation } = await catalog.loadTable(id));
        } catch (error) {
          if (!(error instanceof NoSuchTableError || error instanceof NoSuchNamespaceError)) throw error;
          if (!options.json) out(`${connector.name} -> ${name}: not created yet`);
          report.push({ connector: connector.name, table: name, exists: false });
          continue;
        }
        const head = branchHead(metadata, 'main');
        const offsets = committedOffsets(metadata, connector.name);
        const partitions: Array<{ topic: string; partition: number; offset: string; lag?: string }> = [];
        for (const [topic, byPartition] of offsets) {
          const highs = admin
            ? new Map((await admin.fetchTopicOffsets(topic)).map((w) => [w.partition, w.high]))
            : undefined;
          for (const [partition, offset] of [...byPartition].sort((a, b) => a[0] - b[0])) {
            const high = highs?.get(partition);
            partitions.push({
              topic,
              partition,
              offset: offset.toString(),
              ...(high !== undefined ? { lag: (high > offset ? high - offset : 0n).toString() } : {}),
            });
          }
        }
        const summary = head?.summary ?? {};
        report.push({
          connector: connector.name,
          table: formatTableIdentifier(id),
          location: metadata.location,
          metadataLocation,
          snapshots: metadata.snapshots.length,
          currentSnapshotId: head?.snapshotId.toString() ?? null,
          totalRecords: summary['total-records'] ?? '0',
          totalDataFiles: summary['total-data-files'] ?? '0',
          partitions,
        });
        if (!options.json) {
          out(
            `${connector.name} -> ${formatTableIdentifier(id)}: ${metadata.snapshots.length} snapshots, ` +
              `${summary['total-records'] ?? 0} records in ${summary['total-data-files'] ?? 0} files at ${metadata.location}`,
          );
          out(`  metadata: ${metadataLocation}`);
          for (const p of partitions) {
            out(
              `  ${p.topic}[${p.partition}] committed up to ${p.offset}${p.lag !== undefined ? `, lag ${p.lag}` : ''}`,
            );
          }
        }
      }
    }
  } finally {
    await admin?.disconnect();
    await catalog.close();
  }
  if (options.json) out(JSON.stringify(report, null, 2));
  return 0;
}

export interface OrphansOptions {
  readonly config: string;
  /** A duration: 3d, 12h, 30m, 45s or milliseconds. */
  readonly olderThan: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/**
 * `floe tables orphans <table>`: files under the table's location that no
 * retained metadata reaches and that are older than --older-than (default 3d),
 * removed unless --dry-run.
 */
export async function orphansCommand(
  table: string,
  options: OrphansOptions,
  out: (line: string) => void,
): Promise<number> {
  const olderThanMs = parseDuration(options.olderThan, '--older-than');
  const { worker } = loadConfig(options.config);
  const io = buildFileIO(worker, silentLogger);
  const catalog = await buildCatalog(worker, io, silentLogger);
  try {
    const result = await removeOrphanFiles(catalog, io, parseTableIdentifier(table), {
      olderThanMs,
      dryRun: options.dryRun ?? false,
    });
    if (options.json) {
      out(JSON.stringify({ ...result, orphans: result.orphans.map((f) => f.path) }, null, 2));
      return 0;
    }
    for (const line of orphanLines(result, options.olderThan)) out(line);
    return 0;
  } finally {
    await catalog.close();
  }
}

/** Each orphan removed (or that would be, on a dry run), then a summary line; `floe maintain` prints them too. */
export function orphanLines(result: OrphanResult, olderThan: string): string[] {
  const lines = result.orphans.map(
    (file) =>
      `${result.dryRun ? 'would remove' : 'removed'} ${file.path} (${file.size} bytes, ${new Date(file.lastModifiedMs).toISOString()})`,
  );
  const bytes = result.orphans.reduce((n, f) => n + f.size, 0);
  lines.push(
    `${result.table}: ${result.listed} files under ${result.location}, ${result.reachable} reachable from metadata; ` +
      `${result.orphans.length} orphans older than ${olderThan} (${bytes} bytes) ${result.dryRun ? 'found (dry run: nothing removed)' : 'removed'}; ` +
      `${result.tooYoung} unreferenced but younger, kept`,
  );
  return lines;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "3d", "12h", "30m", "45s", "500ms" or a plain number of milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match)
    throw new ConfigError(`${option}: '${text}' is not a duration (e.g. 3d, 12h, 30m, 45s, 500ms)`, {
      key: option,
    });
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}
