import { describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { decodeManifest, encodeManifest } from '../../../src/iceberg/manifest.ts';
import {
  ENTRY_STATUS,
  inheritManifestMetadata,
  type ManifestEntry,
} from '../../../src/iceberg/manifest-entry.ts';
import {
  decodeManifestList,
  describeManifest,
  encodeManifestList,
} from '../../../src/iceberg/manifest-list.ts';
import {
  branchHead,
  currentSchema,
  defaultSpec,
  type TableMetadata,
} from '../../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { liveEntries } from '../../sim/live-entries.ts';
import { Rng } from '../../sim/rng.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const id: TableIdentifier = { namespace: ['db'], name: 't' };
const syncMarker = new Uint8Array(16);

async function newTable(properties: Record<string, string>): Promise<{ catalog: Catalog; io: FileIO }> {
  return tempSqlTable(properties);
}

let fileCounter = 0;
const dataFile = (records: number): DataFile => ({
  content: 0,
  filePath: `file:///nowhere/data/f${fileCounter++}.parquet`,
  fileFormat: 'PARQUET',
  specId: 0,
  partition: [],
  recordCount: records,
  fileSizeInBytes: 100 * records,
});

/** Another writer deletes one live file, as Java's delete does: its manifest rewritten with the file DELETED. */
async function deleteFile(
  catalog: Catalog,
  io: FileIO,
  metadata: TableMetadata,
  path: string,
): Promise<void> {
  const head = branchHead(metadata, 'main')!;
  const list = decodeManifestList(await io.read(head.manifestList));
  const holder = await findHolder(io, list, path);
  const snapshotId = BigInt(metadata.snapshots.length) * 1_000_003n + 7n;
  const sequenceNumber = metadata.lastSequenceNumber + 1;
  const entries: ManifestEntry[] = holder.entries
    .filter((e) => e.status !== ENTRY_STATUS.DELETED)
    .map((e) =>
      e.dataFile.filePath === path
        ? { ...e, status: ENTRY_STATUS.DELETED, snapshotId }
        : { ...e, status: ENTRY_STATUS.EXISTING },
    );
  const ctx = { schema: currentSchema(metadata), spec: defaultSpec(metadata), formatVersion: 2 as const };
  const bytes = encodeManifest(entries, { ...ctx, content: 'data', syncMarker });
  const manifestPath = `${metadata.location}/metadata/delete-${snapshotId}.avro`;
  await io.write(manifestPath, bytes);
  const rewritten = describeManifest(entries, {
    ...ctx,
    manifestPath,
    manifestLength: bytes.length,
    content: 0,
    snapshotId,
  });
  const manifests = [rewritten, ...list.filter((m) => m.manifestPath !== holder.manifestPath)];
  const manifestList = `${metadata.location}/metadata/snap-${snapshotId}.avro`;
  await io.write(
    manifestList,
    encodeManifestList(manifests, {
      snapshotId,
      parentSnapshotId: head.snapshotId,
      sequenceNumber,
      formatVersion: 2,
      syncMarker,
    }),
  );
  await catalog.commitTable(
    id,
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head.snapshotId }],
    [
      {
        action: 'add-snapshot',
        snapshot: {
          snapshotId,
          parentSnapshotId: head.snapshotId,
          sequenceNumber,
          timestampMs: Date.now(),
          manifestList,
          summary: { operation: 'delete' },
        },
      },
      { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
    ],
  );
}

async function findHolder(io: FileIO, list: ReturnType<typeof decodeManifestList>, path: string) {
  for (const manifest of list) {
    const entries = decodeManifest(await io.read(manifest.manifestPath)).entries.map((e) =>
      inheritManifestMetadata(e, manifest),
    );
    if (entries.some((e) => e.status !== ENTRY_STATUS.DELETED && e.dataFile.filePath === path))
      return { manifestPath: manifest.manifestPath, entries };
  }
  throw new Error(`no manifest holds ${path}`);
}

async function runSequence(seed: number, minCount: number, target: number): Promise<number> {
  const rng = new Rng(seed);
  const { catalog, io } = await newTable({
    'commit.manifest.min-count-to-merge': String(minCount),
    'commit.manifest.target-size-bytes': String(target),
  });
  const producer = new SnapshotProducer(catalog, io);
  const expected = new Map<string, number>();
  let most = 0;
  for (let step = 0; step < 40; step++) {
    const { metadata } = await catalog.loadTable(id);
    if (expected.size > 0 && rng.chance(0.15)) {
      const victim = rng.pick([...expected.keys()]);
      await deleteFile(catalog, io, metadata, victim);
      expected.delete(victim);
    } else {
      const files = Array.from({ length: rng.int(4) }, () => dataFile(rng.range(1, 50)));
      const result = await producer.append(id, { dataFiles: files, decide: () => ({ kind: 'commit' }) });
      expect(result.kind).toBe('committed');
      const sequenceNumber = metadata.lastSequenceNumber + 1;
      for (const file of files) expected.set(file.filePath, sequenceNumber);
      const head = branchHead((await catalog.loadTable(id)).metadata, 'main')!;
      const list = decodeManifestList(await io.read(head.manifestList));
      const bytes = list.reduce((n, m) => n + m.manifestLength, 0);
      // packed from the end with one bin open, two neighbouring bins weigh more than the target
      const bins = Math.ceil((2 * bytes) / target) + 1;
      expect(list.length, `seed ${seed}, step ${step}`).toBeLessThanOrEqual(minCount - 1 + bins);
      most = Math.max(most, list.length);
    }
    const head = branchHead((await catalog.loadTable(id)).metadata, 'main')!;
    const live = new Map(
      (await liveEntries(io, head)).map(({ entry }) => [entry.dataFile.filePath, entry.sequenceNumber]),
    );
    expect(live, `seed ${seed}, step ${step}`).toEqual(expected);
  }
  return most;
}

describe('manifest merging on append', () => {
  it('keeps every live file and its data sequence number; one bin stays under min-count', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const minCount = 2 + (seed % 5);
      const most = await runSequence(seed, minCount, 8 * 1024 * 1024);
      expect(most, `seed ${seed}`).toBeLessThanOrEqual(minCount - 1);
    }
  }, 120_000);

  it('stays bounded when the target size splits the manifests into several bins', async () => {
    for (let seed = 100; seed <= 103; seed++) {
      // a manifest of a few files is ~2 KB: several bins of a few manifests each
      const most = await runSequence(seed, 4, 12_000);
      expect(most, `seed ${seed}`).toBeGreaterThan(1);
    }
  }, 120_000);

  it('merges nothing when commit.manifest-merge.enabled is false', async () => {
    const { catalog, io } = await newTable({ 'commit.manifest-merge.enabled': 'false' });
    const producer = new SnapshotProducer(catalog, io);
    for (let i = 0; i < 5; i++)
      await producer.append(id, { dataFiles: [dataFile(1)], decide: () => ({ kind: 'commit' }) });
    const head = branchHead((await catalog.loadTable(id)).metadata, 'main')!;
    expect(decodeManifestList(await io.read(head.manifestList))).toHaveLength(5);
  });
});

describe('manifest merging on a v1 table', () => {
  it('keeps every live file (v1 entries name their snapshot; no sequence numbers)', async () => {
    const { catalog, io } = await newTable({
      'format-version': '1',
      'commit.manifest.min-count-to-merge': '3',
    });
    expect((await catalog.loadTable(id)).metadata.formatVersion).toBe(1);
    const producer = new SnapshotProducer(catalog, io);
    const written: string[] = [];
    for (let i = 0; i < 7; i++) {
      const files = [dataFile(i + 1)];
      written.push(...files.map((f) => f.filePath));
      await producer.append(id, { dataFiles: files, decide: () => ({ kind: 'commit' }) });
    }
    const head = branchHead((await catalog.loadTable(id)).metadata, 'main')!;
    expect(decodeManifestList(await io.read(head.manifestList)).length).toBeLessThan(3);
    const live = (await liveEntries(io, head)).map(({ entry }) => entry.dataFile.filePath);
    expect(live.sort()).toEqual(written.sort());
  });
});
