// A connector's mode (docs/upsert.md): `append` writes every record as a row;
// `upsert` keeps the latest value per key (a null value deletes); `cdc` reads
// change events (`cdc.format: debezium`). The keys that only make sense with a
// mode (`key.fields`, `cdc`, `order`) are refused without it, and `cdc` reads
// only the value formats Debezium writes (avro, json); checked on the raw file
// so that every problem is reported at once.
import { z } from 'zod';
import type { ConfigProblem } from './config-problem.ts';
import { nonEmptyString } from './schema-parts.ts';

export type ConnectorMode = 'append' | 'upsert' | 'cdc';

export const modeSchema = z.enum(['append', 'upsert', 'cdc']).default('append');

export const keyFieldsSchema = z
  .array(nonEmptyString)
  .min(1, { error: 'must list at least one field' })
  .refine((fields) => new Set(fields).size === fields.length, { error: 'must not repeat a field' })
  .optional();

export const cdcSchema = z
  .strictObject({
    format: z.enum(['debezium'], { error: 'must be debezium' }),
    tombstones: z.enum(['ignore', 'delete']).default('ignore'),
  })
  .optional();

export const orderSchema = z.strictObject({ by: nonEmptyString }).optional();

/** What a keyed connector needs beyond an append connector; absent in append mode. */
export interface ChangeSettings {
  /** Value fields that form the key; absent: the Kafka key. */
  readonly keyFields?: readonly string[] | undefined;
  /** Only in cdc mode. */
  readonly cdc?: { readonly format: 'debezium'; readonly tombstones: 'ignore' | 'delete' } | undefined;
  /** A version or event-time column of the value: an older change arriving later loses. */
  readonly orderBy?: string | undefined;
}

type RawMap = Readonly<Record<string, unknown>>;

const isMap = (value: unknown): value is RawMap =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The cross-key rules of the keyed modes, on the raw connector file. */
export function checkConnectorMode(raw: RawMap): ConfigProblem[] {
  const mode = raw.mode ?? 'append';
  if (mode !== 'append' && mode !== 'upsert' && mode !== 'cdc') return []; // the shape check reports it
  const problems: ConfigProblem[] = [];
  const key = isMap(raw.key) ? raw.key : {};
  const keyed = mode !== 'append';
  if (!keyed) {
    if (key.fields !== undefined)
      problems.push({
        path: ['key', 'fields'],
        message: 'is only used with mode upsert or cdc (mode is append)',
      });
    if (raw.order !== undefined)
      problems.push({ path: ['order'], message: 'is only used with mode upsert or cdc (mode is append)' });
  }
  if (mode === 'cdc' && raw.cdc === undefined)
    problems.push({ path: ['cdc'], message: 'is required with mode cdc (cdc: { format: debezium })' });
  const valueFormat = isMap(raw.value) ? raw.value.format : undefined;
  if (mode === 'cdc' && (valueFormat === 'protobuf' || valueFormat === 'json-schema'))
    problems.push({
      path: ['value', 'format'],
      message: `${valueFormat} is not a Debezium encoding: mode cdc reads avro (through the schema registry) or json`,
    });
  if (mode !== 'cdc' && raw.cdc !== undefined)
    problems.push({ path: ['cdc'], message: `is only used with mode cdc (mode is ${mode})` });
  if (keyed && key.fields === undefined && key.format === 'none') {
    problems.push({
      path: ['key', 'format'],
      message: `none leaves mode ${mode} without a key: read the Kafka key (string, json, avro) or name key.fields`,
    });
  }
  return problems;
}
