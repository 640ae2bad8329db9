// Issue 10, defect 2: two workers of one schemaless connector that see different
// new fields both derived the new column's id from the same cached schema, and
// both commits landed: two columns with one id.
import { describe, expect, it } from 'vitest';
import type { TableMetadata } from '../../../../src/iceberg/table-metadata.ts';
import { indexFieldsById } from '../../../../src/iceberg/types.ts';
import { FencedBatchError } from '../../../../src/worker/commit/commit-batch.ts';
import { record, settings, stack, table } from '../../../support/in-process-connector.ts';

const single = settings('schemaless', { kind: 'single', table: table('events') });

/** Every field id names one column (same name and type) across all schemas of the table. */
function idsAreUnique(metadata: TableMetadata): void {
  const seen = new Map<number, string>();
  for (const schema of metadata.schemas) {
    for (const [id, field] of indexFieldsById(schema.fields)) {
      const what = `${field.name}: ${JSON.stringify(field.type)}`;
      expect(seen.get(id) ?? what, `field id ${id} in schema ${schema.schemaId}`).toBe(what);
      seen.set(id, what);
    }
  }
  expect(metadata.lastColumnId).toBeGreaterThanOrEqual(Math.max(...seen.keys()));
}

describe('field ids under concurrent schema changes', () => {
  it('two workers adding different fields get different ids; the later batch is re-read', async () => {
    const s = stack();
    const seed = s.runtime(single);
    await seed.assign([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    await seed.processRun([record(0, 0, { id: 0, kind: 'a' })], 0, 1);
    await seed.processRun([record(1, 0, { id: 1, kind: 'a' })], 0, 1);
    await seed.commit();

    const one = s.runtime(single);
    const two = s.runtime(single);
    await one.assign([{ topic: 't', partition: 0 }]);
    await two.assign([{ topic: 't', partition: 1 }]);
    const x = [record(0, 1, { id: 2, kind: 'a', x: 'x' })];
    const y = [record(1, 1, { id: 3, kind: 'a', y: 'y' })];
    await one.processRun(x, 0, 1);
    await two.processRun(y, 0, 1);
    await one.commit();
    await expect(two.commit()).rejects.toMatchObject({ name: FencedBatchError.name, fence: 'schema' });

    // The worker re-seeks and reads again, now on the fresh schema.
    const seek = await two.reseekOffsets([{ topic: 't', partition: 1 }]);
    expect(seek.get('t:1')).toBe(1n);
    await two.processRun(y, 0, 1);
    await two.commit();

    const metadata = (await s.catalog.loadTable(table('events'))).metadata;
    idsAreUnique(metadata);
    const current = metadata.schemas.find((sc) => sc.schemaId === metadata.currentSchemaId)!;
    const ids = Object.fromEntries(current.fields.map((f) => [f.name, f.id]));
    expect(new Set(Object.values(ids)).size).toBe(4);
    expect(await s.rows(table('events'))).toBe(4);
  });

  it('a column added by another engine between batches keeps its id', async () => {
    const s = stack();
    const runtime = s.runtime(single);
    await runtime.assign([{ topic: 't', partition: 0 }]);
    await runtime.processRun([record(0, 0, { id: 0, kind: 'a' })], 0, 1);
    await runtime.commit();
    await runtime.processRun([record(0, 1, { id: 1, kind: 'a', z: 'z' })], 0, 1);
    // Another engine adds a column meanwhile (the id floe's writer just gave z).
    const loaded = await s.catalog.loadTable(table('events'));
    const base = loaded.metadata.schemas.find((sc) => sc.schemaId === loaded.metadata.currentSchemaId)!;
    const next = loaded.metadata.lastColumnId + 1;
    await s.catalog.commitTable(
      table('events'),
      [
        { type: 'assert-current-schema-id', currentSchemaId: base.schemaId },
        { type: 'assert-last-assigned-field-id', lastAssignedFieldId: loaded.metadata.lastColumnId },
      ],
      [
        {
          action: 'add-schema',
          schema: {
            ...base,
            schemaId: base.schemaId + 1,
            fields: [...base.fields, { id: next, name: 'spark_col', required: false, type: { kind: 'int' } }],
          },
          lastColumnId: next,
        },
        { action: 'set-current-schema', schemaId: -1 },
      ],
    );
    await expect(runtime.commit()).rejects.toMatchObject({ name: FencedBatchError.name, fence: 'schema' });
    await runtime.reseekOffsets([{ topic: 't', partition: 0 }]);
    await runtime.processRun([record(0, 1, { id: 1, kind: 'a', z: 'z' })], 0, 1);
    await runtime.commit();
    const metadata = (await s.catalog.loadTable(table('events'))).metadata;
    idsAreUnique(metadata);
    expect(await s.rows(table('events'))).toBe(2);
  });
});
