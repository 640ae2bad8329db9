// A restarted worker's schemaless JSON continues from the table's columns: the
// connector runtime tells the decoder each table's schema when partitions are
// assigned (RecordDecoder.followTable). Without that, a fresh inference would
// type a value differently from the column earlier records made, and every such
// record would be refused by the table.
import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { currentSchema } from '../../../src/iceberg/table-metadata.ts';
import { typeToString } from '../../../src/iceberg/types.ts';
import type { ConnectorSettings } from '../../../src/worker/connector-settings.ts';
import { record, settings, stack, table } from '../../support/in-process-connector.ts';

/** The converter runtime-factory.ts builds, with or without telling the decoder the tables. */
function jsonSettings(follow: boolean): ConnectorSettings {
  const decoder = createValueDecoder('json');
  const base = settings('clicks', { kind: 'single', table: table('clicks') });
  return {
    ...base,
    converter: {
      convert: (r) => decoder.decodeSync(r.value, r) ?? decoder.decode(r.value, r),
      ...(follow ? { followTable: (schema) => decoder.followTable?.(schema) } : {}),
    },
  };
}

async function runTwice(follow: boolean, first: Record<string, unknown>, second: Record<string, unknown>) {
  const s = stack();
  const partitions = [{ topic: 't', partition: 0 }];
  const before = s.runtime(jsonSettings(follow));
  await before.assign(partitions);
  await before.processRun([record(0, 0, first)], 0, 1);
  await before.commit();
  // a restart: a new runtime with a new decoder, on the same table
  const after = s.runtime(jsonSettings(follow));
  await after.assign(partitions);
  await after.processRun([record(0, 1, second)], 0, 1);
  await after.commit();
  const metadata = (await s.catalog.loadTable(table('clicks'))).metadata;
  const schema = typeToString({ kind: 'struct', fields: currentSchema(metadata).fields });
  const rows = await s.rows(table('clicks'));
  await s.catalog.close();
  return { rows, schema };
}

describe('schemaless JSON after a restart', () => {
  it('keeps a string column a string column when the next value looks like a time', async () => {
    const result = await runTwice(true, { id: 1, ts: 'unknown' }, { id: 2, ts: '2024-06-01T00:00:00Z' });
    expect(result).toEqual({ rows: 2, schema: 'struct<1: id: optional long, 2: ts: optional string>' });
  });

  it('writes integers into a column earlier fractions made double', async () => {
    const result = await runTwice(true, { id: 1, n: 1.5 }, { id: 2, n: 2 });
    expect(result).toEqual({ rows: 2, schema: 'struct<1: id: optional long, 2: n: optional double>' });
  });

  it('without the table told, the fresh inference refuses the record (what followTable prevents)', async () => {
    const result = await runTwice(false, { id: 1, ts: 'unknown' }, { id: 2, ts: '2024-06-01T00:00:00Z' });
    expect(result.rows).toBe(1); // errors.policy skip: the second record was refused
  });
});
