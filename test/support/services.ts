// Coordinates of the local service stack (scripts/services), for integration
// tests: the environment wins, then scripts/services.env's defaults.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

function defaults(): Record<string, string> {
  const text = readFileSync(join(root, 'scripts/services.env'), 'utf8');
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('=', 2) as [string, string]);
  return Object.fromEntries(entries);
}

const env = { ...defaults(), ...process.env } as Record<string, string>;
const cache = env.FLOE_CACHE ?? join(homedir(), '.cache/floe');

export const services = {
  kafkaBrokers: env.FLOE_KAFKA_BROKERS ?? `127.0.0.1:${env.FLOE_KAFKA_PORT}`,
  /** The second Kafka-protocol broker, kfake (test/support/brokers.ts). */
  kfakeBrokers: env.FLOE_KFAKE_BROKERS ?? `127.0.0.1:${env.FLOE_KFAKE_PORT}`,
  s3: {
    endpoint: env.FLOE_S3_ENDPOINT ?? `http://127.0.0.1:${env.FLOE_S3_PORT}`,
    accessKeyId: env.FLOE_S3_ACCESS_KEY!,
    secretAccessKey: env.FLOE_S3_SECRET_KEY!,
    region: env.FLOE_S3_REGION!,
    bucket: env.FLOE_S3_BUCKET!,
  },
  restUri: env.FLOE_REST_URI ?? `http://127.0.0.1:${env.FLOE_REST_PORT}`,
  registryUrl: env.FLOE_REGISTRY_URL ?? `http://127.0.0.1:${env.FLOE_REGISTRY_PORT}/apis/ccompat/v7`,
  postgresUrl:
    env.FLOE_PG_URL ??
    `postgres://${env.FLOE_PG_USER}:${env.FLOE_PG_PASSWORD}@127.0.0.1:${env.FLOE_PG_PORT}/${env.FLOE_PG_DATABASE}`,
  readerPython: env.FLOE_READER_PYTHON ?? join(cache, 'reader-venv/bin/python'),
  root,
} as const;

/** A name unique to this test run, for namespaces, topics and buckets that tests may re-create. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
