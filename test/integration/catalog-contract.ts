// The behaviour every Catalog implementation must show, as a reusable vitest
// suite: `describeCatalogContract('rest', () => RestCatalog.connect(...))`.
// It touches only the Catalog interface (plus FileIO to write the manifest
// lists its snapshots point at), and works under a namespace unique to the run
// so it can be repeated against a long-lived catalog.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, LoadedTable, TableIdentifier } from '../../src/catalog/catalog.ts';
import {
  AlreadyExistsError,
  CommitConflictError,
  NamespaceNotEmptyError,
  NoSuchTableError,
  UnsupportedError,
} from '../../src/errors.ts';
import { encodeManifestList } from '../../src/iceberg/manifest-list.ts';
import type { PartitionSpec } from '../../src/iceberg/partition-spec.ts';
import type { TableRequirement, TableUpdate } from '../../src/iceberg/table-update.ts';
import type { Schema } from '../../src/iceberg/types.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { ResolvingFileIO } from '../../src/io/resolving-file-io.ts';
import { S3FileIO } from '../../src/io/s3-file-io.ts';
import { services, uniqueName } from '../support/services.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    { id: 2, name: 'ts', required: false, type: { kind: 'timestamptz' } },
    { id: 3, name: 'payload', required: false, type: { kind: 'string' } },
  ],
};
const daily: PartitionSpec = {
  specId: 0,
  fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }],
};

export function describeCatalogContract(name: string, makeCatalog: () => Promise<Catalog>): void {
  describe(`Catalog contract: ${name}`, () => {
    const root = uniqueName('contract');
    const io = new ResolvingFileIO({
      local: new LocalFileIO(),
      s3: () =>
        new S3FileIO({
          endpoint: services.s3.endpoint,
          region: services.s3.region,
          forcePathStyle: true,
          accessKeyId: services.s3.accessKeyId,
          secretAccessKey: services.s3.secretAccessKey,
        }),
    });
    let catalog: Catalog;
    let tableCounter = 0;

    const newTable = async (
      namespace: readonly string[] = [root],
    ): Promise<[TableIdentifier, LoadedTable]> => {
      const id = { namespace, name: `t${++tableCounter}` };
      return [
        id,
        await catalog.createTable(id, { schema, spec: daily, properties: { 'format-version': '2' } }),
      ];
    };

    /** add-snapshot + set main, with a real (empty) manifest list so any catalog may validate it. */
    const appendCommit = async (
      base: LoadedTable,
    ): Promise<{ snapshotId: bigint; requirements: TableRequirement[]; updates: TableUpdate[] }> => {
      const parent = base.metadata.currentSnapshotId;
      const snapshotId = randomBytes(8).readBigInt64BE() & 0x7fff_ffff_ffff_ffffn;
      const sequenceNumber = base.metadata.lastSequenceNumber + 1;
      const manifestList = `${base.metadata.location}/metadata/snap-${snapshotId}-1-${uniqueName('c')}.avro`;
      const bytes = encodeManifestList([], {
        snapshotId,
        parentSnapshotId: parent,
        sequenceNumber,
        formatVersion: 2,
        syncMarker: randomBytes(16),
      });
      await io.write(manifestList, bytes, { ifNotExists: true });
      return {
        snapshotId,
        requirements: [
          { type: 'assert-table-uuid', uuid: base.metadata.tableUuid },
          { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: parent },
        ],
        updates: [
          {
            action: 'add-snapshot',
            snapshot: {
              snapshotId,
              ...(parent !== null ? { parentSnapshotId: parent } : {}),
              sequenceNumber,
              timestampMs: Date.now(),
              manifestList,
              summary: { operation: 'append', 'added-data-files': '0', 'total-records': '0' },
              schemaId: base.metadata.currentSchemaId,
            },
          },
          { action: 'set-snapshot-ref', refName: 'main', snapshotId, type: 'branch' },
        ],
      };
    };

    beforeAll(async () => {
      catalog = await makeCatalog();
      await catalog.createNamespace([root], { owner: 'floe-contract' });
    });

    afterAll(async () => {
      if (!catalog) return;
      const namespaces = [[root], ...(await catalog.listNamespaces([root]).catch(() => []))];
      for (const ns of namespaces.reverse()) {
        for (const table of await catalog.listTables(ns).catch(() => [])) {
          await catalog.dropTable(table, { purge: true }).catch(() => undefined);
        }
        await catalog.dropNamespace(ns).catch(() => undefined);
      }
      await catalog.close();
    });

    it('creates, lists, checks and drops namespaces', async () => {
      expect(await catalog.listNamespaces()).toContainEqual([root]);
      expect(await catalog.namespaceExists([root])).toBe(true);
      expect(await catalog.namespaceExists([root, 'missing'])).toBe(false);
      await catalog.createNamespace([root, 'a']);
      await catalog.createNamespace([root, 'b'], { purpose: 'test' });
      const children = await catalog.listNamespaces([root]);
      expect(children).toContainEqual([root, 'a']);
      expect(children).toContainEqual([root, 'b']);
      await expect(catalog.createNamespace([root, 'a'])).rejects.toBeInstanceOf(AlreadyExistsError);
      await catalog.dropNamespace([root, 'b']);
      expect(await catalog.namespaceExists([root, 'b'])).toBe(false);
      expect(await catalog.listNamespaces([root])).not.toContainEqual([root, 'b']);
    });

    it('refuses to drop a namespace that still holds a table', async () => {
      await catalog.createNamespace([root, 'full']);
      const [id] = await newTable([root, 'full']);
      await expect(catalog.dropNamespace([root, 'full'])).rejects.toBeInstanceOf(NamespaceNotEmptyError);
      expect(await catalog.namespaceExists([root, 'full'])).toBe(true);
      await catalog.dropTable(id, { purge: true });
      await catalog.dropNamespace([root, 'full']);
      expect(await catalog.namespaceExists([root, 'full'])).toBe(false);
    });

    it('creates, loads, lists and drops tables', async () => {
      const [id, created] = await newTable();
      expect(created.metadata.formatVersion).toBe(2);
      expect(created.metadata.schemas[0]?.fields.map((f) => f.name)).toEqual(['id', 'ts', 'payload']);
      expect(created.metadata.partitionSpecs[0]?.fields.map((f) => f.name)).toEqual(['ts_day']);
      expect(created.metadata.currentSnapshotId).toBeNull();
      const loaded = await catalog.loadTable(id);
      expect(loaded.metadata.tableUuid).toBe(created.metadata.tableUuid);
      expect(loaded.metadataLocation).toBe(created.metadataLocation);
      expect(loaded.identifier).toEqual(id);
      expect(await catalog.tableExists(id)).toBe(true);
      expect(await catalog.listTables([root])).toContainEqual(id);
      await catalog.dropTable(id, { purge: true });
      expect(await catalog.tableExists(id)).toBe(false);
      expect(await catalog.listTables([root])).not.toContainEqual(id);
    });

    it('refuses to create a table twice', async () => {
      const [id, first] = await newTable();
      await expect(catalog.createTable(id, { schema })).rejects.toBeInstanceOf(AlreadyExistsError);
      expect((await catalog.loadTable(id)).metadata.tableUuid).toBe(first.metadata.tableUuid);
    });

    it('reports a missing table as NoSuchTableError', async () => {
      await expect(catalog.loadTable({ namespace: [root], name: 'never_created' })).rejects.toBeInstanceOf(
        NoSuchTableError,
      );
      expect(await catalog.tableExists({ namespace: [root], name: 'never_created' })).toBe(false);
    });

    it('commits when the requirements hold and round-trips properties', async () => {
      const [id, base] = await newTable();
      const committed = await catalog.commitTable(
        id,
        [
          { type: 'assert-table-uuid', uuid: base.metadata.tableUuid },
          { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null },
        ],
        [{ action: 'set-properties', updates: { 'floe.owner': 'contract', 'floe.note': 'x=1; y="2"' } }],
      );
      expect(committed.metadataLocation).not.toBe(base.metadataLocation);
      expect(committed.metadata.properties).toMatchObject({
        'floe.owner': 'contract',
        'floe.note': 'x=1; y="2"',
      });
      const reloaded = await catalog.loadTable(id);
      expect(reloaded.metadataLocation).toBe(committed.metadataLocation);
      expect(reloaded.metadata.properties).toMatchObject({
        'floe.owner': 'contract',
        'floe.note': 'x=1; y="2"',
      });
      await catalog.commitTable(id, [], [{ action: 'remove-properties', removals: ['floe.note'] }]);
      const after = (await catalog.loadTable(id)).metadata.properties;
      expect(after['floe.owner']).toBe('contract');
      expect(after['floe.note']).toBeUndefined();
    });

    it('commits a snapshot on the right base and rejects a stale base, leaving the table unchanged', async () => {
      const [id, base] = await newTable();
      const append = await appendCommit(base);
      const committed = await catalog.commitTable(id, append.requirements, append.updates);
      expect(committed.metadata.currentSnapshotId).toBe(append.snapshotId);
      expect(committed.metadata.refs.main?.snapshotId).toBe(append.snapshotId);

      // Still asserting the pre-append state of main: stale.
      const stale = catalog.commitTable(
        id,
        [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
        [{ action: 'set-properties', updates: { 'floe.stale': 'yes' } }],
      );
      await expect(stale).rejects.toBeInstanceOf(CommitConflictError);
      const wrongUuid = catalog.commitTable(
        id,
        [{ type: 'assert-table-uuid', uuid: '00000000-0000-4000-8000-000000000000' }],
        [{ action: 'set-properties', updates: { 'floe.stale': 'yes' } }],
      );
      await expect(wrongUuid).rejects.toBeInstanceOf(CommitConflictError);
      const after = await catalog.loadTable(id);
      expect(after.metadataLocation).toBe(committed.metadataLocation);
      expect(after.metadata.properties['floe.stale']).toBeUndefined();
      expect(after.metadata.currentSnapshotId).toBe(append.snapshotId);
    });

    it('lets exactly one of two racing commits on the same base win', async () => {
      const [id, created] = await newTable();
      const first = await appendCommit(created);
      const base = await catalog.commitTable(id, first.requirements, first.updates);
      const [a, b] = await Promise.all([appendCommit(base), appendCommit(base)]);
      const results = await Promise.allSettled([
        catalog.commitTable(id, a.requirements, a.updates),
        catalog.commitTable(id, b.requirements, b.updates),
      ]);
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toBeInstanceOf(CommitConflictError);
      const winner = won[0] === 0 ? a : b;
      const after = await catalog.loadTable(id);
      expect(after.metadata.currentSnapshotId).toBe(winner.snapshotId);
      expect(after.metadata.snapshots.map((s) => s.snapshotId)).toEqual([
        first.snapshotId,
        winner.snapshotId,
      ]);
      expect(after.metadata.snapshots[1]?.parentSnapshotId).toBe(first.snapshotId);
    });

    // Catalogs that cannot commit several tables atomically refuse to pretend.
    it('commits several tables atomically: all of them, or none when one requirement fails', async () => {
      if (!(await catalog.supportsMultiTableCommit())) {
        await expect(catalog.commitTables([])).rejects.toBeInstanceOf(UnsupportedError);
        return;
      }
      const [[a, baseA], [b, baseB]] = [await newTable(), await newTable()];
      const [first, second] = await Promise.all([appendCommit(baseA), appendCommit(baseB)]);
      const asCommit = (identifier: TableIdentifier, c: typeof first) => ({
        identifier,
        requirements: c.requirements,
        updates: c.updates,
      });
      const committed = await catalog.commitTables([asCommit(a, first), asCommit(b, second)]);
      expect(committed.map((t) => t.identifier)).toEqual([a, b]);
      expect(committed.map((t) => t.metadata.currentSnapshotId)).toEqual([
        first.snapshotId,
        second.snapshotId,
      ]);
      const reloaded = await Promise.all([catalog.loadTable(a), catalog.loadTable(b)]);
      expect(reloaded.map((t) => t.metadataLocation)).toEqual(committed.map((t) => t.metadataLocation));

      // a's commit is good, b's is built on b's old base: neither lands
      const [good, stale] = await Promise.all([appendCommit(reloaded[0]!), appendCommit(baseB)]);
      await expect(catalog.commitTables([asCommit(a, good), asCommit(b, stale)])).rejects.toBeInstanceOf(
        CommitConflictError,
      );
      const after = await Promise.all([catalog.loadTable(a), catalog.loadTable(b)]);
      expect(after.map((t) => t.metadataLocation)).toEqual(committed.map((t) => t.metadataLocation));
      expect(after[0]?.metadata.snapshots.map((s) => s.snapshotId)).toEqual([first.snapshotId]);
    });

    it('fails a multi-table commit naming a missing table as NoSuchTableError, changing nothing', async () => {
      if (!(await catalog.supportsMultiTableCommit())) return;
      const [id, base] = await newTable();
      const missing = { namespace: [root], name: 'never_created' };
      const set = [{ action: 'set-properties', updates: { 'floe.x': '1' } } as const];
      await expect(
        catalog.commitTables([
          { identifier: id, requirements: [], updates: set },
          { identifier: missing, requirements: [], updates: set },
        ]),
      ).rejects.toBeInstanceOf(NoSuchTableError);
      const after = await catalog.loadTable(id);
      expect(after.metadataLocation).toBe(base.metadataLocation);
      expect(after.metadata.properties['floe.x']).toBeUndefined();
    });
  });
}
