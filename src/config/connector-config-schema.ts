// A connector file's shape, defaults and per-section checks (zod). The checks
// that span sections (topics vs topicPattern, table vs route) live in
// checkConnectorExclusives so they run even when other keys are wrong.
import { z } from 'zod';
import type { ConfigProblem } from './config-problem.ts';
import { cdcSchema, checkConnectorMode, keyFieldsSchema, modeSchema, orderSchema } from './connector-mode.ts';
import { declaredFieldSchema, declaredSchemaToIceberg } from './declared-schema.ts';
import { parsePartitionField } from './partition-by.ts';
import { nonEmptyString, nonNegativeInt, positiveInt, propertiesMap } from './schema-parts.ts';
import { MIB } from './worker-config.ts';

export const CONNECTOR_NAME = /^[a-z0-9_-]+$/;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const TABLE_NAME = /^[^.\s]+(\.[^.\s]+)+$/;

const topicName = z
  .string()
  .regex(TOPIC_NAME, { error: 'must be a Kafka topic name (letters, digits, ".", "_", "-")' });
export const tableName = z.string().regex(TABLE_NAME, { error: 'must be a table name "namespace.table"' });

const topicPattern = nonEmptyString.superRefine((pattern, ctx) => {
  try {
    new RegExp(pattern);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `is not a valid regular expression: ${(error as Error).message}`,
    });
  }
});

const valueSchema = z
  .strictObject({
    format: z.enum(['avro', 'json-schema', 'protobuf', 'json']),
    schema: z
      .array(declaredFieldSchema)
      .min(1, { error: 'must list at least one field' })
      .transform((fields, ctx) => {
        const result = declaredSchemaToIceberg(fields);
        for (const problem of result.problems) {
          ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
        }
        return result.schema ?? z.NEVER;
      })
      .optional(),
    unknownFields: z.enum(['drop', 'error', 'add']).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.schema !== undefined && value.format !== 'json') {
      ctx.addIssue({
        code: 'custom',
        path: ['schema'],
        message: `is only used with format json (format ${value.format} takes its schema from the registry)`,
      });
    }
    if (value.unknownFields !== undefined && value.schema === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['unknownFields'],
        message: 'is only used with a declared value.schema (format json)',
      });
    }
  });

const routeSchema = z.strictObject({
  field: z
    .string()
    .regex(/^[^.\s]+(\.[^.\s]+)*$/, { error: 'must be a field name or dotted path (meta.type)' }),
  tables: z.record(z.string(), tableName).refine((tables) => Object.keys(tables).length > 0, {
    error: 'must map at least one field value to a table',
  }),
  default: tableName.optional(),
});

const partitionField = z.string().transform((text, ctx) => {
  const parsed = parsePartitionField(text);
  if (parsed.ok) return { text: text.trim(), request: parsed.request };
  ctx.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});

const autoCreateSchema = z.strictObject({
  enabled: z.boolean().default(true),
  partitionBy: z.array(partitionField).default([]),
  properties: propertiesMap.default({}),
});

const metadataColumnSchema = z
  .union([z.boolean(), z.strictObject({ name: nonEmptyString.default('_kafka') })], {
    error: 'must be false, true or a mapping with a name',
  })
  .transform((column) => (column === true ? { name: '_kafka' } : column));

const errorsSchema = z
  .strictObject({
    policy: z.enum(['fail', 'skip', 'dlq']).default('fail'),
    dlqTopic: topicName.optional(),
  })
  .superRefine((errors, ctx) => {
    if (errors.policy === 'dlq' && errors.dlqTopic === undefined) {
      ctx.addIssue({ code: 'custom', path: ['dlqTopic'], message: 'is required with policy dlq' });
    }
    if (errors.policy !== 'dlq' && errors.dlqTopic !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['dlqTopic'],
        message: `is only used with policy dlq (policy is ${errors.policy})`,
      });
    }
  });

export const connectorConfigSchema = z.strictObject({
  name: z.string().regex(CONNECTOR_NAME, {
    error: 'must contain only a-z, 0-9, "_" and "-" (it defaults to the file name without extension)',
  }),
  topics: z.array(topicName).min(1, { error: 'must list at least one topic' }).optional(),
  topicPattern: topicPattern.optional(),
  mode: modeSchema,
  key: z
    .strictObject({
      format: z.enum(['none', 'string', 'json', 'avro']).default('string'),
      fields: keyFieldsSchema,
    })
    .prefault({}),
  cdc: cdcSchema,
  order: orderSchema,
  value: valueSchema,
  table: tableName.optional(),
  route: routeSchema.optional(),
  autoCreate: autoCreateSchema.prefault({}),
  schemaEvolution: z.boolean().default(true),
  metadataColumn: metadataColumnSchema.default(false),
  commit: z
    .strictObject({
      intervalMs: positiveInt.default(60_000),
      maxRecords: positiveInt.default(1_000_000),
      maxBytes: positiveInt.default(128 * MIB),
      idleMs: nonNegativeInt.default(1000),
    })
    .prefault({}),
  errors: errorsSchema.prefault({}),
  maintenance: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMs: positiveInt.default(600_000),
    })
    .prefault({}),
});

export type ParsedConnectorConfig = z.output<typeof connectorConfigSchema>;

/**
 * Exactly one of topics/topicPattern and exactly one of table/route, and
 * `value.unknownFields: add` only with schema evolution, the keyed modes' keys
 * (connector-mode.ts); checked on the raw file.
 */
export function checkConnectorExclusives(raw: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const value = raw.value as Readonly<Record<string, unknown>> | undefined;
  const addsWithoutEvolution = value?.unknownFields === 'add' && raw.schemaEvolution === false;
  return [
    ...exactlyOne(raw, 'topics', 'topicPattern'),
    ...exactlyOne(raw, 'table', 'route'),
    ...checkConnectorMode(raw),
    ...(addsWithoutEvolution
      ? [{ path: ['value', 'unknownFields'], message: 'add needs schemaEvolution: true (it adds columns)' }]
      : []),
  ];
}

function exactlyOne(raw: Readonly<Record<string, unknown>>, first: string, second: string): ConfigProblem[] {
  const hasFirst = raw[first] !== undefined;
  const hasSecond = raw[second] !== undefined;
  if (hasFirst && hasSecond) return [{ path: [second], message: `cannot be used together with ${first}` }];
  if (!hasFirst && !hasSecond) return [{ path: [first], message: `is required (or ${second})` }];
  return [];
}
