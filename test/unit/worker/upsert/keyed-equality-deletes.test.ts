// A keyed table that another engine gave an equality-delete file: floe's key
// index cannot account for it, so the next worker's first batch for the table
// stops with an error naming the table (table-live-files.ts) and commits
// nothing. It is not a record's fault: before, the error went to errors.policy,
// and under `skip` every record of the table was skipped and its offset
// committed (found by a docs audit against docs/exactly-once.md).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../../src/catalog/catalog.ts';
import { UnsupportedError } from '../../../../src/errors.ts';
import { encodeManifest } from '../../../../src/iceberg/manifest.ts';
import { ENTRY_STATUS, type ManifestEntry } from '../../../../src/iceberg/manifest-entry.ts';
import {
  decodeManifestList,
  describeManifest,
  encodeManifestList,
} from '../../../../src/iceberg/manifest-list.ts';
import { branchHead, currentSchema, specById } from '../../../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../../../src/io/file-io.ts';
import { writeParquetDataFile } from '../../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../../src/parquet/parquet-write-properties.ts';
import { dataDirectory } from '../../../../src/sink/table-paths.ts';
import type { ConnectorSettings } from '../../../../src/worker/connector-settings.ts';
import { settings, stack, table } from '../../../support/in-process-connector.ts';
import { jsonUpsertConnector, keyedChange } from '../../../support/keyed-json-connector.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function keyedItems(): ConnectorSettings {
  const indexDir = mkdtempSync(join(tmpdir(), 'floe-keyed-eq-'));
  dirs.push(indexDir);
  const keyed = jsonUpsertConnector('connectors/items.yaml', indexDir);
  return { ...settings('items', { kind: 'single', table: table('items') }), keyed };
}

/** Deletes `id` = `key` as an engine with equality deletes would: one delete file, one snapshot. */
async function engineEqualityDelete(catalog: Catalog, io: FileIO, id: TableIdentifier, key: bigint) {
  const metadata = (await catalog.loadTable(id)).metadata;
  const head = branchHead(metadata, 'main')!;
  const schema = currentSchema(metadata);
  const spec = specById(metadata, metadata.defaultSpecId);
  const written = writeParquetDataFile(schema, [{ id: key }], DEFAULT_PARQUET_WRITE_PROPERTIES);
  const filePath = `${dataDirectory(metadata)}/engine-eq-${key}.parquet`;
  await io.write(filePath, written.bytes);
  const snapshotId = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  const entry: ManifestEntry = {
    status: ENTRY_STATUS.ADDED,
    snapshotId,
    sequenceNumber: null,
    fileSequenceNumber: null,
    dataFile: {
      content: 2,
      filePath,
      fileFormat: 'PARQUET',
      specId: spec.specId,
      partition: [],
      recordCount: 1,
      fileSizeInBytes: written.sizeBytes,
      equalityIds: [schema.fields.find((f) => f.name === 'id')!.id],
    },
  };
  const manifestPath = `${metadata.location}/metadata/engine-${snapshotId}-m0.avro`;
  const context = { schema, spec, formatVersion: 2 as const, content: 'deletes' as const };
  const bytes = encodeManifest([entry], { ...context, syncMarker: randomBytes(16) });
  await io.write(manifestPath, bytes);
  const manifest = describeManifest([entry], {
    manifestPath,
    manifestLength: bytes.length,
    spec,
    schema,
    content: 1,
    snapshotId,
  });
  const listPath = `${metadata.location}/metadata/engine-${snapshotId}-list.avro`;
  const manifests = [...decodeManifestList(await io.read(head.manifestList)), manifest];
  const list = encodeManifestList(manifests, {
    snapshotId,
    parentSnapshotId: head.snapshotId,
    sequenceNumber: metadata.lastSequenceNumber + 1,
    formatVersion: 2,
    syncMarker: randomBytes(16),
  });
  await io.write(listPath, list);
  await catalog.commitTable(
    id,
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head.snapshotId }],
    [
      {
        action: 'add-snapshot',
        snapshot: {
          snapshotId,
          parentSnapshotId: head.snapshotId,
          sequenceNumber: metadata.lastSequenceNumber + 1,
          timestampMs: Date.now(),
          manifestList: listPath,
          summary: { operation: 'delete' },
          schemaId: schema.schemaId,
        },
      },
      { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
    ],
  );
}

it('a keyed table with an equality-delete file stops the worker, whatever errors.policy says', async () => {
  const s = stack();
  const first = s.runtime(keyedItems());
  await first.assign([{ topic: 't', partition: 0 }]);
  const upserts = [keyedChange(0, 1, { id: 1 }), keyedChange(1, 2, { id: 2 })];
  await first.processRun(upserts, 0, upserts.length);
  await first.commit();
  await engineEqualityDelete(s.catalog, s.io, table('items'), 1n);

  // The next owner (errors.policy skip) rebuilds its index from the table.
  const next = s.runtime(keyedItems());
  await next.assign([{ topic: 't', partition: 0 }]);
  const more = [keyedChange(2, 3, { id: 3 })];
  const failure = await next.processRun(more, 0, more.length).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(UnsupportedError);
  expect((failure as Error).message).toMatch(
    /table .*items has equality-delete files \(.*engine-eq-1\.parquet\)/,
  );
  expect(await s.offsets(table('items'), 'items')).toEqual(new Map([[0, 2n]]));
});
