// The keyed modes' keys (mode, key.fields, cdc, order.by): shape, cross-key rules,
// and what a keyed connector file loads as.
import { describe, expect, it } from 'vitest';
import { connectorConfigSchema } from '../../../src/config/connector-config-schema.ts';
import { checkConnectorMode } from '../../../src/config/connector-mode.ts';
import { loadConnectorConfig } from '../../../src/config/load-connector-config.ts';
import { errorMessage, tempFolder, writeConfig } from './temp-config.ts';

const base = 'topics: [orders]\nvalue: { format: json }\ntable: shop.orders\n';
const messages = (raw: Record<string, unknown>) =>
  checkConnectorMode(raw).map((p) => `${p.path.join('.')}: ${p.message}`);

describe('connector mode', () => {
  it('defaults to append, which loads as before (no mode or changes in the config)', () => {
    const file = writeConfig(tempFolder(), 'orders.yaml', base);
    const config = loadConnectorConfig(file, {});
    expect(config.mode).toBeUndefined();
    expect(config.changes).toBeUndefined();
    expect(config.key).toEqual({ format: 'string' });
  });

  it('loads upsert and cdc with their keys', () => {
    const folder = tempFolder();
    const upsert = writeConfig(
      folder,
      'a.yaml',
      `${base}mode: upsert\nkey: { format: string, fields: [id] }\norder: { by: version }\n`,
    );
    const a = loadConnectorConfig(upsert, {});
    expect(a.mode).toBe('upsert');
    expect(a.changes).toMatchObject({ keyFields: ['id'], orderBy: 'version' });
    const cdc = writeConfig(folder, 'b.yaml', `${base}mode: cdc\ncdc: { format: debezium }\n`);
    const b = loadConnectorConfig(cdc, {});
    expect(b.mode).toBe('cdc');
    expect(b.changes?.cdc).toEqual({ format: 'debezium', tombstones: 'ignore' });
  });

  it('says a missing format is required, with its values', () => {
    const folder = tempFolder();
    const noValueFormat = writeConfig(folder, 'd.yaml', 'topics: [orders]\nvalue: {}\ntable: shop.orders\n');
    expect(errorMessage(() => loadConnectorConfig(noValueFormat, {}))).toBe(
      `${noValueFormat}:2: value.format: is required (one of avro, json-schema, protobuf, json)`,
    );
    const noCdcFormat = writeConfig(folder, 'e.yaml', `${base}mode: cdc\ncdc: { tombstones: delete }\n`);
    expect(errorMessage(() => loadConnectorConfig(noCdcFormat, {}))).toBe(
      `${noCdcFormat}:5: cdc.format: is required (debezium)`,
    );
  });

  it('reports every rule of the keyed keys at once', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'c.yaml',
      `${base}mode: cdc\nkey: { format: none }\norder: { by: '' }\n`,
    );
    const message = errorMessage(() => loadConnectorConfig(file, {}));
    expect(message).toContain('cdc: is required with mode cdc');
    expect(message).toContain('key.format: none leaves mode cdc without a key');
    expect(message).toContain('order.by: must not be empty');
  });

  it.each([
    [
      { mode: 'append', key: { fields: ['id'] } },
      'key.fields: is only used with mode upsert or cdc (mode is append)',
    ],
    [{ order: { by: 'version' } }, 'order: is only used with mode upsert or cdc (mode is append)'],
    [{ mode: 'upsert', cdc: { format: 'debezium' } }, 'cdc: is only used with mode cdc (mode is upsert)'],
    [{ mode: 'cdc' }, 'cdc: is required with mode cdc (cdc: { format: debezium })'],
    [
      { mode: 'cdc', cdc: { format: 'debezium' }, value: { format: 'protobuf' } },
      'value.format: protobuf is not a Debezium encoding: mode cdc reads avro (through the schema registry) or json',
    ],
    [
      { mode: 'cdc', cdc: { format: 'debezium' }, value: { format: 'json-schema' } },
      'value.format: json-schema is not a Debezium encoding: mode cdc reads avro (through the schema registry) or json',
    ],
    [
      { mode: 'upsert', key: { format: 'none' } },
      'key.format: none leaves mode upsert without a key: read the Kafka key (string, json, avro) or name key.fields',
    ],
  ])('%j: %s', (raw, expected) => {
    expect(messages(raw)).toContain(expected);
  });

  it('accepts a keyed mode whose key comes from the value even with key.format none', () => {
    const problems = messages({ mode: 'upsert', key: { format: 'none', fields: ['id'] } });
    expect(problems.filter((p) => !p.startsWith('mode:'))).toEqual([]);
  });

  it('parses the keys with their defaults', () => {
    const parsed = connectorConfigSchema.parse({
      name: 'x',
      topics: ['t'],
      value: { format: 'avro' },
      table: 'a.b',
      mode: 'cdc',
      key: { fields: ['id', 'region'] },
      cdc: { format: 'debezium' },
      order: { by: 'version' },
    });
    expect(parsed.mode).toBe('cdc');
    expect(parsed.key).toEqual({ format: 'string', fields: ['id', 'region'] });
    expect(parsed.cdc).toEqual({ format: 'debezium', tombstones: 'ignore' });
    expect(parsed.order).toEqual({ by: 'version' });
    expect(connectorConfigSchema.parse({ name: 'x', value: { format: 'json' } }).mode).toBe('append');
  });

  it.each([
    [{ mode: 'merge' }, 'mode'],
    [{ key: { fields: [] } }, 'key.fields'],
    [{ key: { fields: ['id', 'id'] } }, 'key.fields'],
    [{ cdc: { format: 'maxwell' } }, 'cdc.format'],
    [{ cdc: { format: 'debezium', tombstones: 'keep' } }, 'cdc.tombstones'],
  ])('refuses the shape %j at %s', (extra, path) => {
    const result = connectorConfigSchema.safeParse({ name: 'x', value: { format: 'json' }, ...extra });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});
