// Snapshot expiry planning (spec: "Snapshot Retention Policy"), case by case.
import { describe, expect, it } from 'vitest';
import type { Snapshot, SnapshotRef } from '../../../src/iceberg/snapshot.ts';
import {
  DEFAULT_EXPIRY_POLICY,
  expiredContentFiles,
  expiredManifests,
  expiryPolicy,
  expiryUpdates,
  planSnapshotExpiry,
} from '../../../src/iceberg/snapshot-expiry.ts';
import type { TableMetadata } from '../../../src/iceberg/table-metadata.ts';

const DAY = 24 * 3_600_000;
const NOW = 100 * DAY;

/** Snapshots 1..n, each the parent of the next, snapshot i taken `ages[i-1]` ms before NOW. */
function chain(ages: readonly number[], first = 1): Snapshot[] {
  return ages.map((age, i) => ({
    snapshotId: BigInt(first + i),
    ...(i > 0 ? { parentSnapshotId: BigInt(first + i - 1) } : {}),
    sequenceNumber: first + i,
    timestampMs: NOW - age,
    manifestList: `list-${first + i}`,
    summary: { operation: 'append' },
  }));
}

function table(
  snapshots: readonly Snapshot[],
  refs: Record<string, SnapshotRef>,
  properties: Record<string, string> = {},
): TableMetadata {
  return {
    formatVersion: 2,
    tableUuid: 'u',
    location: 'file:///t',
    lastSequenceNumber: snapshots.length,
    lastUpdatedMs: NOW,
    lastColumnId: 1,
    schemas: [{ schemaId: 0, identifierFieldIds: [], fields: [] }],
    currentSchemaId: 0,
    partitionSpecs: [{ specId: 0, fields: [] }],
    defaultSpecId: 0,
    lastPartitionId: 999,
    properties,
    currentSnapshotId: refs.main?.snapshotId ?? null,
    snapshots,
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [{ orderId: 0, fields: [] }],
    defaultSortOrderId: 0,
    refs,
    statistics: [],
    partitionStatistics: [],
  };
}

const branch = (snapshotId: number, extra: Partial<SnapshotRef> = {}): SnapshotRef => ({
  snapshotId: BigInt(snapshotId),
  type: 'branch',
  ...extra,
});
const ids = (snapshots: readonly Snapshot[]) => snapshots.map((s) => Number(s.snapshotId));
const plan = (metadata: TableMetadata) =>
  planSnapshotExpiry(metadata, NOW, expiryPolicy(metadata.properties));

describe('expiryPolicy', () => {
  it('defaults to 5 days, 1 snapshot, refs kept forever', () => {
    expect(expiryPolicy({})).toEqual(DEFAULT_EXPIRY_POLICY);
    expect(DEFAULT_EXPIRY_POLICY.maxSnapshotAgeMs).toBe(432_000_000);
  });

  it('names the key of a malformed value', () => {
    expect(() => expiryPolicy({ 'history.expire.min-snapshots-to-keep': '0' })).toThrow(
      /history\.expire\.min-snapshots-to-keep must be an integer >= 1, got '0'/,
    );
    expect(() => expiryPolicy({ 'history.expire.max-snapshot-age-ms': '5d' })).toThrow(/max-snapshot-age-ms/);
  });
});

describe('planSnapshotExpiry', () => {
  it('removes main’s ancestors older than the max age, keeping at least min-snapshots-to-keep', () => {
    const snapshots = chain([9 * DAY, 7 * DAY, 4 * DAY, 1 * DAY]);
    expect(ids(plan(table(snapshots, { main: branch(4) })).removed)).toEqual([1, 2]);
    const keepThree = table(snapshots, { main: branch(4) }, { 'history.expire.min-snapshots-to-keep': '3' });
    expect(ids(plan(keepThree).removed)).toEqual([1]);
  });

  it('never removes main’s current snapshot, however old', () => {
    const snapshots = chain([9 * DAY, 8 * DAY]);
    const metadata = table(snapshots, { main: branch(2) }, { 'history.expire.max-snapshot-age-ms': '0' });
    expect(ids(plan(metadata).retained)).toEqual([2]);
  });

  it('honours a branch’s own min-snapshots-to-keep and max-snapshot-age-ms', () => {
    const snapshots = chain([9 * DAY, 8 * DAY, 7 * DAY, 6 * DAY]);
    const own = table(snapshots, { main: branch(4, { minSnapshotsToKeep: 3 }) });
    expect(ids(plan(own).removed)).toEqual([1]);
    const young = table(snapshots, { main: branch(4, { maxSnapshotAgeMs: 10 * DAY }) });
    expect(ids(plan(young).removed)).toEqual([]);
  });

  it('keeps a tag’s snapshot and expires a ref past its max-ref-age-ms', () => {
    const snapshots = chain([9 * DAY, 8 * DAY, 7 * DAY, 1 * DAY]);
    const metadata = table(snapshots, {
      main: branch(4),
      keep: { snapshotId: 2n, type: 'tag' },
      old: { snapshotId: 1n, type: 'tag', maxRefAgeMs: 8 * DAY },
    });
    const result = plan(metadata);
    expect(result.removedRefs).toEqual(['old']);
    expect(ids(result.removed)).toEqual([1, 3]);
    expect(expiryUpdates(result)).toEqual([
      { action: 'remove-snapshot-ref', refName: 'old' },
      { action: 'remove-snapshots', snapshotIds: [1n, 3n] },
    ]);
  });

  it('applies the table’s max-ref-age-ms to refs without their own, never to main', () => {
    const snapshots = chain([9 * DAY, 8 * DAY]);
    const metadata = table(
      snapshots,
      { main: branch(1), audit: branch(2) },
      { 'history.expire.max-ref-age-ms': String(DAY) },
    );
    expect(plan(metadata).removedRefs).toEqual(['audit']);
    expect(ids(plan(metadata).retained)).toEqual([1]);
  });

  it('keeps young snapshots no ref reaches, removes old ones', () => {
    const main = chain([9 * DAY, 1 * DAY]);
    const orphans = chain([8 * DAY, 2 * DAY], 10).map((s) => ({ ...s, parentSnapshotId: 1n }));
    const result = plan(table([...main, ...orphans], { main: branch(2) }));
    expect(ids(result.removed)).toEqual([1, 10]);
    expect(ids(result.retained)).toEqual([2, 11]);
  });

  it('keeps a second branch’s ancestry by its own rules', () => {
    const main = chain([9 * DAY, 8 * DAY, 1 * DAY]);
    const side = chain([8.5 * DAY, 7.5 * DAY], 20).map((s, i) =>
      i === 0 ? { ...s, parentSnapshotId: 1n } : s,
    );
    const metadata = table([...main, ...side], {
      main: branch(3),
      side: branch(21, { minSnapshotsToKeep: 2 }),
    });
    expect(ids(plan(metadata).removed)).toEqual([1, 2]);
  });

  it('plans nothing when nothing is old', () => {
    const result = plan(table(chain([3, 2, 1]), { main: branch(3) }));
    expect(result.removed).toEqual([]);
    expect(expiryUpdates(result)).toEqual([]);
  });
});

describe('files of expired snapshots', () => {
  it('are the manifest lists and manifests no retained snapshot names', () => {
    const files = expiredManifests(
      [
        { manifestList: 'l1', manifests: ['m1', 'm2'] },
        { manifestList: 'l2', manifests: ['m2', 'm3'] },
      ],
      [{ manifestList: 'l3', manifests: ['m3', 'm4'] }],
    );
    expect(files).toEqual({ manifestLists: ['l1', 'l2'], manifests: ['m1', 'm2'] });
  });

  it('are the content files no live retained entry names', () => {
    expect(expiredContentFiles(['a', 'b', 'b', 'c'], new Set(['b']))).toEqual(['a', 'c']);
  });
});
