import { describe, expect, it } from 'vitest';
import { UnsupportedError, ValidationError } from '../../../src/errors.ts';
import { applyUpdates, newTableMetadata } from '../../../src/iceberg/apply-updates.ts';
import { assertWritableFormatVersion, requestedFormatVersion } from '../../../src/iceberg/format-version.ts';
import { UNPARTITIONED } from '../../../src/iceberg/partition-spec.ts';
import type { Snapshot } from '../../../src/iceberg/snapshot.ts';
import { snapshotToJson } from '../../../src/iceberg/snapshot-json.ts';
import { UNSORTED_ORDER } from '../../../src/iceberg/sort-order.ts';
import type { FormatVersion } from '../../../src/iceberg/table-metadata.ts';
import { parseTableMetadata, serializeTableMetadata } from '../../../src/iceberg/table-metadata-json.ts';
import { primitive } from '../../../src/iceberg/types.ts';

const table = (formatVersion: FormatVersion) =>
  newTableMetadata({
    tableUuid: '9c12d441-03fe-4693-9a96-a0705ddf69c1',
    location: 's3://bucket/wh/db.db/events',
    schema: {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'id', required: true, type: primitive('long') }],
    },
    spec: UNPARTITIONED,
    sortOrder: UNSORTED_ORDER,
    properties: {},
    formatVersion,
    nowMs: 1000,
  });

// what a writer that numbers every snapshot lastSequenceNumber + 1 sends, whatever the version
const snapshot: Snapshot = {
  snapshotId: 11n,
  sequenceNumber: 1,
  timestampMs: 2000,
  manifestList: 's3://bucket/wh/db.db/events/metadata/snap-11.avro',
  summary: { operation: 'append' },
  schemaId: 0,
};
const append = [
  { action: 'add-snapshot', snapshot } as const,
  { action: 'set-snapshot-ref', refName: 'main', snapshotId: 11n, type: 'branch' } as const,
];

describe('assertWritableFormatVersion', () => {
  it.each([1, 2, 3] as const)('lets floe write v%i', (formatVersion) => {
    expect(() => assertWritableFormatVersion(table(formatVersion), 'db.events')).not.toThrow();
  });

  it('refuses a version it does not know, naming the table', () => {
    const error = (() => {
      try {
        assertWritableFormatVersion({ formatVersion: 4 as FormatVersion }, 'db.events');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as UnsupportedError).message).toMatch(
      /table db\.events is format version 4; floe writes only versions 1, 2, 3/,
    );
    expect((error as UnsupportedError).context).toMatchObject({ table: 'db.events', formatVersion: 4 });
  });
});

describe('requestedFormatVersion', () => {
  it('reads the reserved format-version property', () => {
    expect(requestedFormatVersion(undefined, 't')).toBeUndefined();
    expect(requestedFormatVersion({ owner: 'x' }, 't')).toBeUndefined();
    expect(requestedFormatVersion({ 'format-version': '1' }, 't')).toBe(1);
    expect(requestedFormatVersion({ 'format-version': '3' }, 't')).toBe(3);
  });

  it('rejects anything else, naming the table', () => {
    expect(() => requestedFormatVersion({ 'format-version': '2.0' }, 'db.t')).toThrow(ValidationError);
    expect(() => requestedFormatVersion({ 'format-version': '4' }, 'db.t')).toThrow(/table db\.t/);
  });
});

describe('v1 tables carry no sequence numbers', () => {
  it('a snapshot added to a v1 table is kept with sequence number 0, the table at 0', () => {
    const m = applyUpdates(table(1), append, { nowMs: 3000 });
    expect(m.snapshots[0]?.sequenceNumber).toBe(0);
    expect(m.lastSequenceNumber).toBe(0);
    const text = serializeTableMetadata(m);
    expect(text).not.toContain('sequence-number');
  });

  it('the metadata writer leaves sequence-number out of v1 snapshots whatever the model says', () => {
    const m = { ...table(1), snapshots: [snapshot], currentSnapshotId: 11n, refs: {} };
    expect(
      serializeTableMetadata({ ...m, refs: { main: { snapshotId: 11n, type: 'branch' } } }),
    ).not.toContain('sequence-number');
    expect(snapshotToJson(snapshot, 1)['sequence-number']).toBeUndefined();
    expect(snapshotToJson(snapshot, 2)['sequence-number']).toBe(1);
  });

  it('a v1 file that carries sequence numbers reads them as 0', () => {
    const v2 = serializeTableMetadata(applyUpdates(table(2), append, { nowMs: 3000 }));
    const v1 = v2.replace('"format-version":2', '"format-version":1');
    expect(v1).toContain('"sequence-number":1');
    const m = parseTableMetadata(v1);
    expect(m.snapshots[0]?.sequenceNumber).toBe(0);
    expect(m.lastSequenceNumber).toBe(0);
  });

  it('v2 keeps them', () => {
    const m = applyUpdates(table(2), append, { nowMs: 3000 });
    expect(m.snapshots[0]?.sequenceNumber).toBe(1);
    expect(m.lastSequenceNumber).toBe(1);
    expect(serializeTableMetadata(m)).toContain('"sequence-number":1');
  });
});
