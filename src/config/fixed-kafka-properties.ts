// The librdkafka properties floe's delivery guarantees rest on. `kafka.properties`
// may repeat them but not change them: the loader reports another value as a
// problem of the worker file, so every command refuses it the same way, and the
// Kafka clients set them over whatever came through (worker/kafka-properties.ts).
import type { ConfigProblem, KeyPath } from './config-problem.ts';
import { describe } from './zod-problems.ts';

export type FixedPropertyClient = 'consumer' | 'producer';

/** Offsets live in the tables' snapshots; the dead-letter producer must not lose or repeat a record. */
const FIXED: Readonly<Record<FixedPropertyClient, Readonly<Record<string, string>>>> = {
  consumer: {
    'enable.auto.commit': 'false',
    'enable.auto.offset.store': 'false',
    'partition.assignment.strategy': 'cooperative-sticky',
  },
  producer: { acks: 'all', 'enable.idempotence': 'true' },
};

/**
 * The fixed properties of a client, given the raw properties: KIP-848's
 * `group.protocol: consumer` assigns on the broker and rejects a client-side strategy.
 */
export function fixedKafkaProperties(
  client: FixedPropertyClient,
  properties: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const fixed = { ...FIXED[client] };
  if (client === 'consumer' && String(properties['group.protocol']) === 'consumer') {
    delete fixed['partition.assignment.strategy'];
  }
  return fixed;
}

/** Whether a raw value is the fixed one as librdkafka reads it: in any letter case, and acks -1 for all. */
function isFixedValue(key: string, fixed: string, value: unknown): boolean {
  const text = String(value).toLowerCase();
  return text === fixed || (key === 'acks' && text === '-1');
}

/**
 * Group membership has keys of its own: a raw property would override them
 * unseen (the Helm chart's per-pod instance id, the backfill's separate group).
 */
const OWN_KEYS: Readonly<Record<string, string>> = {
  'group.id': 'kafka.groupId',
  'group.instance.id': 'kafka.groupInstanceId',
};

/**
 * Each entry of the raw properties that changes a fixed property of either
 * client, or sets one with a key of its own, at `kafka.properties`.
 */
export function changedFixedProperties(properties: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const own = Object.entries(OWN_KEYS).flatMap(([key, instead]): ConfigProblem[] =>
    properties[key] === undefined
      ? []
      : [{ path: ['kafka', 'properties', key], message: `set ${instead} instead; remove the property` }],
  );
  const fixed = { ...fixedKafkaProperties('consumer', properties), ...fixedKafkaProperties('producer', {}) };
  return own.concat(fixedChanges(properties, fixed));
}

function fixedChanges(
  properties: Readonly<Record<string, unknown>>,
  fixed: Readonly<Record<string, string>>,
): ConfigProblem[] {
  return Object.entries(fixed).flatMap(([key, value]) => {
    const raw = properties[key];
    // Not a string, number or boolean: the shape check reports it.
    if (raw === undefined || raw === null || typeof raw === 'object' || isFixedValue(key, value, raw))
      return [];
    const path: KeyPath = ['kafka', 'properties', key];
    return [{ path, message: `floe requires "${value}" (got ${describe(raw, path)}); remove the property` }];
  });
}

/** The loader's check of the worker file (parse-config-source.ts `check`), on the raw file. */
export function checkFixedKafkaProperties(raw: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const kafka = raw.kafka;
  if (kafka === null || typeof kafka !== 'object') return [];
  const properties = (kafka as Readonly<Record<string, unknown>>).properties;
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return [];
  return changedFixedProperties(properties as Readonly<Record<string, unknown>>);
}
